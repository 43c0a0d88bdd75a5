//! Small helpers shared by several modules.

use crate::base64::{decode, encode, Form};

/// Lower-case hex digits of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    out
}

/// `bytes` random bytes from the runtime's source, as hex; the clock stands in should the
/// source fail, so a request is never refused for want of an id.
pub(crate) fn random_hex(runtime: &crate::runtime::Runtime, bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    if runtime.fill_random(&mut buf).is_err() {
        let now = runtime.now_unix_ms().to_be_bytes();
        for (i, byte) in buf.iter_mut().enumerate() {
            *byte = now[i % now.len()] ^ (i as u8);
        }
    }
    hex(&buf)
}

/// Standard base64 with padding, as MCP carries binary data.
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    encode(bytes, Form::Standard)
}

/// Decodes standard base64; `None` when the text is not base64.
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    decode(text, Form::Standard)
}

/// An opaque pagination cursor for `position` in a listing of `scope` (a list's name, a
/// query's fingerprint): every cursor of the crate, in one shape.
///
/// The scope is inside the cursor so a cursor from `tools/list` is refused by
/// `prompts/list` (or a query's by another query) instead of silently skipping entries.
/// `scope` holds no `:`.
pub(crate) fn encode_cursor(scope: &str, position: &str) -> String {
    encode(format!("{scope}:{position}"), Form::UrlSafe)
}

/// The position a cursor made by [`encode_cursor`] for `scope` holds.
pub(crate) fn decode_cursor(scope: &str, cursor: &str) -> Option<String> {
    let raw = decode(cursor, Form::UrlSafe)?;
    let text = String::from_utf8(raw).ok()?;
    let (name, position) = text.split_once(':')?;
    (name == scope).then(|| position.to_owned())
}

/// The 64-bit FNV-1a hash of `parts`, in order, as if joined.
pub(crate) fn fnv1a(parts: &[&[u8]]) -> u64 {
    parts
        .iter()
        .flat_map(|part| part.iter())
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
        })
}

/// Percent-decodes a URI component; `None` on a malformed escape or invalid UTF-8.
pub(crate) fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_other_lists() {
        let c = encode_cursor("tools", "40");
        assert_eq!(decode_cursor("tools", &c).as_deref(), Some("40"));
        assert_eq!(decode_cursor("prompts", &c), None);
        assert_eq!(decode_cursor("tools", "not a cursor!"), None);
        assert_eq!(
            decode_cursor("tools", &encode_cursor("tools", "0")[1..]),
            None
        );
        // Positions may hold the separator; scopes may not.
        let keyed = encode_cursor("after", "a:b");
        assert_eq!(decode_cursor("after", &keyed).as_deref(), Some("a:b"));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b").as_deref(), Some("a b"));
        assert_eq!(percent_decode("%E2%9C%93").as_deref(), Some("✓"));
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%FF"), None);
    }
}

/// `unix_ms` as an RFC 3339 UTC timestamp with milliseconds: `2026-12-04T01:48:31.250Z`.
pub(crate) fn rfc3339(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        unix_ms % 1000
    )
}

/// The Gregorian date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod time_tests {
    use super::rfc3339;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(1_796_348_911_250), "2026-12-04T01:48:31.250Z");
    }
}
