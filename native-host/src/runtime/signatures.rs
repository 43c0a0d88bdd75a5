//! RS256 and ES256 signature checks with aws-lc-rs (AWS's libcrypto, FIPS-validated
//! builds available), the library rustls already links into this binary.

use aws_lc_rs::signature::{
    RsaPublicKeyComponents, UnparsedPublicKey, ECDSA_P256_SHA256_FIXED, RSA_PKCS1_2048_8192_SHA256,
};
use edgemcp::runtime::{BoxFuture, PublicKey, SignatureAlgorithm, SignatureVerifier};

pub(crate) struct AwsLcSignatures;

impl SignatureVerifier for AwsLcSignatures {
    fn verify<'a>(
        &'a self,
        algorithm: SignatureAlgorithm,
        key: &'a PublicKey,
        message: &'a [u8],
        signature: &'a [u8],
    ) -> BoxFuture<'a, edgemcp::Result<bool>> {
        let genuine = match (algorithm, key) {
            (SignatureAlgorithm::Rs256, PublicKey::Rsa { n, e }) => RsaPublicKeyComponents { n, e }
                .verify(&RSA_PKCS1_2048_8192_SHA256, message, signature)
                .is_ok(),
            (SignatureAlgorithm::Es256, PublicKey::P256 { x, y }) => {
                // SEC 1 uncompressed point: 0x04, x, y.
                let mut point = Vec::with_capacity(65);
                point.push(0x04);
                point.extend_from_slice(x);
                point.extend_from_slice(y);
                UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                    .verify(message, signature)
                    .is_ok()
            }
            // A key of the wrong type never checks a signature.
            _ => false,
        };
        Box::pin(async move { Ok(genuine) })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::rsa::KeySize;
    use aws_lc_rs::signature::{
        EcdsaKeyPair, KeyPair, RsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING, RSA_PKCS1_SHA256,
    };

    fn check(
        algorithm: SignatureAlgorithm,
        key: &PublicKey,
        message: &[u8],
        signature: &[u8],
    ) -> bool {
        futures_executor::block_on(AwsLcSignatures.verify(algorithm, key, message, signature))
            .unwrap()
    }

    #[test]
    fn checks_rs256_with_a_generated_key() {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
        let mut signature = vec![0; pair.public_modulus_len()];
        pair.sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            b"header.payload",
            &mut signature,
        )
        .unwrap();
        let public = pair.public_key();
        let key = PublicKey::Rsa {
            n: public.modulus().big_endian_without_leading_zero().to_vec(),
            e: public.exponent().big_endian_without_leading_zero().to_vec(),
        };
        assert!(check(
            SignatureAlgorithm::Rs256,
            &key,
            b"header.payload",
            &signature
        ));
        assert!(!check(
            SignatureAlgorithm::Rs256,
            &key,
            b"header.payloaD",
            &signature
        ));
        assert!(!check(
            SignatureAlgorithm::Es256,
            &key,
            b"header.payload",
            &signature
        ));
    }

    #[test]
    fn checks_es256_with_a_generated_key() {
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let signature = pair.sign(&rng, b"header.payload").unwrap();
        let point = pair.public_key().as_ref();
        let key = PublicKey::P256 {
            x: point[1..33].try_into().unwrap(),
            y: point[33..65].try_into().unwrap(),
        };
        assert_eq!(
            signature.as_ref().len(),
            64,
            "JWS ES256 signatures are r || s"
        );
        assert!(check(
            SignatureAlgorithm::Es256,
            &key,
            b"header.payload",
            signature.as_ref()
        ));
        let mut flipped = signature.as_ref().to_vec();
        flipped[10] ^= 1;
        assert!(!check(
            SignatureAlgorithm::Es256,
            &key,
            b"header.payload",
            &flipped
        ));
    }
}
