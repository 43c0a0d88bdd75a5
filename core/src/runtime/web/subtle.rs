//! RS256 and ES256 signature checks with WebCrypto (`crypto.subtle`), so no crypto code
//! is compiled into the wasm module.

use super::{call_async, object, property};
use crate::base64::{self, Form};
use crate::runtime::{BoxFuture, PublicKey, SignatureAlgorithm, SignatureVerifier};
use crate::{Error, ErrorKind};
use wasm_bindgen::JsValue;

pub(super) struct SubtleSignatures;

impl SignatureVerifier for SubtleSignatures {
    fn verify<'a>(
        &'a self,
        algorithm: SignatureAlgorithm,
        key: &'a PublicKey,
        message: &'a [u8],
        signature: &'a [u8],
    ) -> BoxFuture<'a, crate::Result<bool>> {
        Box::pin(async move {
            if !key.fits(algorithm) {
                return Ok(false);
            }
            let unavailable = |why: String| {
                Error::new(
                    ErrorKind::Internal,
                    format!("WebCrypto could not check the signature: {why}"),
                )
            };
            let subtle = property(&js_sys::global(), "crypto")
                .and_then(|crypto| property(&crypto, "subtle"))
                .ok_or_else(|| unavailable("crypto.subtle is missing".to_owned()))?;
            let text = |bytes: &[u8]| JsValue::from_str(&base64::encode(bytes, Form::UrlSafe));
            let sha256 = JsValue::from_str("SHA-256");
            let (jwk, import, check) = match key {
                PublicKey::Rsa { n, e } => {
                    let rsa = object(&[
                        ("name", &JsValue::from_str("RSASSA-PKCS1-v1_5")),
                        ("hash", &sha256),
                    ]);
                    let jwk = object(&[
                        ("kty", &JsValue::from_str("RSA")),
                        ("n", &text(n)),
                        ("e", &text(e)),
                    ]);
                    (jwk, rsa.clone(), rsa)
                }
                PublicKey::P256 { x, y } => {
                    let curve = JsValue::from_str("P-256");
                    let jwk = object(&[
                        ("kty", &JsValue::from_str("EC")),
                        ("crv", &curve),
                        ("x", &text(x)),
                        ("y", &text(y)),
                    ]);
                    let ecdsa = JsValue::from_str("ECDSA");
                    let import = object(&[("name", &ecdsa), ("namedCurve", &curve)]);
                    let check = object(&[("name", &ecdsa), ("hash", &sha256)]);
                    (jwk, import, check)
                }
            };
            let usages: js_sys::Array = std::iter::once(JsValue::from_str("verify")).collect();
            let key = call_async(
                &subtle,
                "importKey",
                &[
                    &JsValue::from_str("jwk"),
                    &jwk,
                    &import,
                    &JsValue::FALSE,
                    &usages,
                ],
            )
            .await
            .map_err(unavailable)?;
            let genuine = call_async(
                &subtle,
                "verify",
                &[
                    &check,
                    &key,
                    &js_sys::Uint8Array::from(signature).into(),
                    &js_sys::Uint8Array::from(message).into(),
                ],
            )
            .await
            .map_err(unavailable)?;
            Ok(genuine.as_bool() == Some(true))
        })
    }
}
