use super::{BoxFuture, MaybeSend, MaybeSync};

/// A signature algorithm the core accepts on a JWT: public-key ones only, so a key that
/// is published can never be used to forge a signature (no `none`, no HMAC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (`RS256`), keys of at least 2048 bits.
    Rs256,
    /// ECDSA on P-256 with SHA-256 (`ES256`); the signature is `r || s`, 64 bytes.
    Es256,
}

impl SignatureAlgorithm {
    /// The algorithm a JWS `alg` names, if it is one the core accepts.
    ///
    /// ```
    /// use edgemcp::runtime::SignatureAlgorithm;
    /// assert_eq!(SignatureAlgorithm::from_jws_name("ES256"), Some(SignatureAlgorithm::Es256));
    /// assert_eq!(SignatureAlgorithm::from_jws_name("HS256"), None);
    /// assert_eq!(SignatureAlgorithm::from_jws_name("none"), None);
    /// ```
    pub fn from_jws_name(name: &str) -> Option<Self> {
        match name {
            "RS256" => Some(SignatureAlgorithm::Rs256),
            "ES256" => Some(SignatureAlgorithm::Es256),
            _ => None,
        }
    }

    /// The JWS name: `RS256` or `ES256`.
    pub fn jws_name(self) -> &'static str {
        match self {
            SignatureAlgorithm::Rs256 => "RS256",
            SignatureAlgorithm::Es256 => "ES256",
        }
    }
}

/// A public key read from a JWK, its parts decoded and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// An RSA key: modulus and public exponent, big-endian, without leading zeros.
    Rsa {
        /// The modulus.
        n: Vec<u8>,
        /// The public exponent.
        e: Vec<u8>,
    },
    /// A P-256 key: the affine coordinates of its point.
    P256 {
        /// The x coordinate, big-endian.
        x: [u8; 32],
        /// The y coordinate, big-endian.
        y: [u8; 32],
    },
}

impl PublicKey {
    /// Whether this key can check `algorithm`'s signatures: the key type must fit the
    /// algorithm, whatever a token's header claims.
    pub fn fits(&self, algorithm: SignatureAlgorithm) -> bool {
        matches!(
            (self, algorithm),
            (PublicKey::Rsa { .. }, SignatureAlgorithm::Rs256)
                | (PublicKey::P256 { .. }, SignatureAlgorithm::Es256)
        )
    }
}

/// Checks signatures with the host's crypto: WebCrypto on Workers and in JavaScript
/// hosts, a native library natively.
pub trait SignatureVerifier: MaybeSend + MaybeSync {
    /// Whether `signature` is `algorithm`'s signature of `message` under `key`.
    /// The caller has checked that `key` [fits](PublicKey::fits) `algorithm`.
    ///
    /// # Errors
    /// Only when the crypto itself is unavailable; a wrong signature is `Ok(false)`.
    fn verify<'a>(
        &'a self,
        algorithm: SignatureAlgorithm,
        key: &'a PublicKey,
        message: &'a [u8],
        signature: &'a [u8],
    ) -> BoxFuture<'a, crate::Result<bool>>;
}
