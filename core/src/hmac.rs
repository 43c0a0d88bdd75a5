//! HMAC-SHA-256 (RFC 2104) over the `sha2` crate, and a comparison that takes the same
//! time wherever two tags differ.
//!
//! A dozen lines instead of the `hmac` crate's generic machinery keep the Worker small;
//! the tests hold it to RFC 4231's vectors and to that crate.

use sha2::{Digest, Sha256};

const BLOCK: usize = 64;

/// The HMAC-SHA-256 of `message` under `key` (of any length).
pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|k| k ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// Whether `a` and `b` are equal, looking at every byte whatever the first difference.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn rfc_4231_vectors() {
        let cases: [(Vec<u8>, Vec<u8>, &str); 4] = [
            (
                vec![0x0b; 20],
                b"Hi There".to_vec(),
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            ),
            (
                b"Jefe".to_vec(),
                b"what do ya want for nothing?".to_vec(),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                vec![0xaa; 20],
                vec![0xdd; 50],
                "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
            ),
            // A key longer than the block is hashed first.
            (
                vec![0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
        ];
        for (key, message, expected) in cases {
            assert_eq!(hmac_sha256(&key, &message).to_vec(), unhex(expected));
        }
    }

    #[test]
    fn equality_needs_every_byte() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }

    // proptest runs natively only.
    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;
        use ::hmac::{Hmac, Mac};
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn matches_the_hmac_crate(
                key in proptest::collection::vec(any::<u8>(), 0..150),
                message in proptest::collection::vec(any::<u8>(), 0..200),
            ) {
                let mut reference = Hmac::<Sha256>::new_from_slice(&key).unwrap();
                reference.update(&message);
                let expected: [u8; 32] = reference.finalize().into_bytes().into();
                prop_assert_eq!(hmac_sha256(&key, &message), expected);
            }
        }
    }
}
