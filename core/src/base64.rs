//! Base64 (RFC 4648) in the two forms the core meets: the standard alphabet with padding
//! (MCP's binary contents, `=?base64?…?=` headers) and the URL-safe alphabet without
//! padding (JOSE, cursors, sealed state).
//!
//! Decoding is strict, as the `base64` crate's `STANDARD` and `URL_SAFE_NO_PAD` engines
//! are (the tests hold it to them): only the alphabet's characters, padding exactly where
//! the form asks for it, and no stray bits in the last character. A few hundred bytes of
//! code instead of that crate's generic engine keep the Worker small.

/// Which of the two forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// `A–Z a–z 0–9 + /`, padded with `=` to a multiple of four.
    Standard,
    /// `A–Z a–z 0–9 - _`, never padded.
    UrlSafe,
}

impl Form {
    fn alphabet(self) -> &'static [u8; 64] {
        match self {
            Form::Standard => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            Form::UrlSafe => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        }
    }

    fn value(self, c: u8) -> Option<u32> {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' if self == Form::Standard => 62,
            b'/' if self == Form::Standard => 63,
            b'-' if self == Form::UrlSafe => 62,
            b'_' if self == Form::UrlSafe => 63,
            _ => return None,
        };
        Some(u32::from(v))
    }
}

/// `bytes` in `form`.
pub(crate) fn encode(bytes: impl AsRef<[u8]>, form: Form) -> String {
    let bytes = bytes.as_ref();
    let alphabet = form.alphabet();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        let digits = chunk.len() + 1;
        for i in 0..4 {
            if i < digits {
                let index = (n >> (18 - 6 * i)) & 63;
                out.push(char::from(alphabet[index as usize]));
            } else if form == Form::Standard {
                out.push('=');
            }
        }
    }
    out
}

/// The bytes `text` holds in `form`; `None` when it is not exactly that form.
pub(crate) fn decode(text: impl AsRef<[u8]>, form: Form) -> Option<Vec<u8>> {
    let mut text = text.as_ref();
    if form == Form::Standard {
        if text.len() % 4 != 0 {
            return None;
        }
        let padding = text.iter().rev().take_while(|&&c| c == b'=').count();
        if padding > 2 {
            return None;
        }
        text = &text[..text.len() - padding];
    }
    // One character left over carries six bits, less than a byte.
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for chunk in text.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= form.value(c)? << (18 - 6 * i);
        }
        let bytes = chunk.len() - 1;
        // Bits past the last whole byte must be zero, so each byte string has one text.
        if n & ((1 << (24 - 8 * bytes)) - 1) != 0 {
            return None;
        }
        for i in 0..bytes {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4648_vectors() {
        for (plain, standard, url) in [
            ("", "", ""),
            ("f", "Zg==", "Zg"),
            ("fo", "Zm8=", "Zm8"),
            ("foo", "Zm9v", "Zm9v"),
            ("foob", "Zm9vYg==", "Zm9vYg"),
            ("fooba", "Zm9vYmE=", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain, Form::Standard), standard);
            assert_eq!(encode(plain, Form::UrlSafe), url);
            assert_eq!(decode(standard, Form::Standard).unwrap(), plain.as_bytes());
            assert_eq!(decode(url, Form::UrlSafe).unwrap(), plain.as_bytes());
        }
        for bad in ["Zg", "Zg=", "Zh==", "Z===", "Zg==Zg==", "Zm9v\n", "Zm-v"] {
            assert_eq!(decode(bad, Form::Standard), None, "{bad}");
        }
        for bad in ["Zg==", "Z", "Zh", "Zm/v", "Zm9v "] {
            assert_eq!(decode(bad, Form::UrlSafe), None, "{bad}");
        }
    }

    // proptest runs natively only.
    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;
        use ::base64::engine::general_purpose::{GeneralPurpose, STANDARD, URL_SAFE_NO_PAD};
        use ::base64::Engine;
        use proptest::prelude::*;

        fn reference(form: Form) -> &'static GeneralPurpose {
            match form {
                Form::Standard => &STANDARD,
                Form::UrlSafe => &URL_SAFE_NO_PAD,
            }
        }

        proptest! {
            #[test]
            fn encoding_matches_the_base64_crate(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
                for form in [Form::Standard, Form::UrlSafe] {
                    prop_assert_eq!(encode(&bytes, form), reference(form).encode(&bytes));
                }
            }

            #[test]
            fn decoding_accepts_and_refuses_what_the_base64_crate_does(
                text in "[A-Za-z0-9+/_=\\-. ]{0,24}"
            ) {
                for form in [Form::Standard, Form::UrlSafe] {
                    prop_assert_eq!(decode(&text, form), reference(form).decode(&text).ok(), "{}", text);
                }
            }

            #[test]
            fn every_encoding_decodes_back(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
                for form in [Form::Standard, Form::UrlSafe] {
                    prop_assert_eq!(decode(encode(&bytes, form), form), Some(bytes.clone()));
                }
            }
        }
    }
}
