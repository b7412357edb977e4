//! Byte-level JSON writers with msgspec's exact output rules (see MSGSPEC_NOTES.md).

/// Bytes that need escaping: `"`, `\` and the control characters.
const NEEDS_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        table[i] = true;
        i += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// `"..."` with only `"`, `\` and control characters escaped; everything else written raw.
#[inline]
pub fn string(buf: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    buf.reserve(bytes.len() + 2);
    buf.push(b'"');
    // Most strings need no escaping: one scan, one copy.
    if !bytes.iter().any(|&b| NEEDS_ESCAPE[b as usize]) {
        buf.extend_from_slice(bytes);
        buf.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => {
                buf.extend_from_slice(&bytes[start..i]);
                buf.extend_from_slice(b"\\u00");
                buf.push(HEX[(b >> 4) as usize]);
                buf.push(HEX[(b & 0xf) as usize]);
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        buf.extend_from_slice(&bytes[start..i]);
        buf.extend_from_slice(escape);
        start = i + 1;
    }
    buf.extend_from_slice(&bytes[start..]);
    buf.push(b'"');
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[inline]
pub fn int(buf: &mut Vec<u8>, value: i64) {
    buf.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// Shortest round-trip digits; plain decimals for exponents -5..15, `1e16`/`5e-324` otherwise;
/// nan and infinities are `null`.
#[inline]
pub fn float(buf: &mut Vec<u8>, value: f64) {
    if value.is_finite() {
        finite(buf, value);
    } else {
        buf.extend_from_slice(b"null");
    }
}

/// A float as a dict key: quoted, with `nan`/`inf`/`-inf` for the non-finite values.
pub fn float_key(buf: &mut Vec<u8>, value: f64) {
    buf.push(b'"');
    if value.is_nan() {
        buf.extend_from_slice(b"nan");
    } else if value.is_infinite() {
        buf.extend_from_slice(if value > 0.0 { b"inf" } else { b"-inf" });
    } else {
        finite(buf, value);
    }
    buf.push(b'"');
}

/// zmij gives the same shortest digits and layout as msgspec's Ryu, except that positive
/// exponents carry a `+` (`1e+16`), which msgspec does not write.
#[inline]
fn finite(buf: &mut Vec<u8>, value: f64) {
    let mut digits = zmij::Buffer::new();
    let text = digits.format_finite(value).as_bytes();
    match text.iter().position(|&b| b == b'+') {
        Some(plus) => {
            buf.extend_from_slice(&text[..plus]);
            buf.extend_from_slice(&text[plus + 1..]);
        }
        None => buf.extend_from_slice(text),
    }
}

pub fn base64(buf: &mut Vec<u8>, data: &[u8]) {
    use base64::Engine;
    buf.push(b'"');
    buf.extend_from_slice(
        base64::engine::general_purpose::STANDARD
            .encode(data)
            .as_bytes(),
    );
    buf.push(b'"');
}

/// msgspec's duration: `P1DT3600S`, `-PT1S`, `PT1.5S`, `P0D`.
pub fn timedelta(buf: &mut Vec<u8>, days: i64, seconds: i64, microseconds: i64) {
    // i128: timedelta.max is ~8.6e19 microseconds, past i64.
    let mut total =
        (i128::from(days) * 86_400 + i128::from(seconds)) * 1_000_000 + i128::from(microseconds);
    buf.push(b'"');
    if total < 0 {
        buf.push(b'-');
        total = -total;
    }
    let (days, rest) = (total / 86_400_000_000, total % 86_400_000_000);
    let (secs, micros) = (rest / 1_000_000, rest % 1_000_000);
    buf.push(b'P');
    if days != 0 {
        buf.extend_from_slice(days.to_string().as_bytes());
        buf.push(b'D');
    }
    if secs != 0 || micros != 0 {
        buf.push(b'T');
        buf.extend_from_slice(secs.to_string().as_bytes());
        if micros != 0 {
            let fraction = format!("{micros:06}");
            buf.push(b'.');
            buf.extend_from_slice(fraction.trim_end_matches('0').as_bytes());
        }
        buf.push(b'S');
    } else if days == 0 {
        buf.extend_from_slice(b"0D");
    }
    buf.push(b'"');
}

/// Python's `isoformat()` of a datetime or time, rewritten to msgspec's form: a zero offset is
/// `Z`, and offsets with seconds are rounded to the minute (half down).
pub fn isoformat(buf: &mut Vec<u8>, iso: &str) {
    buf.push(b'"');
    // The offset starts at the last '+'/'-' after the time's first ':' (dates use '-').
    let time_start = iso
        .find(':')
        .map(|i| i.saturating_sub(2))
        .unwrap_or(iso.len());
    match iso[time_start..].rfind(['+', '-']).map(|i| i + time_start) {
        None => buf.extend_from_slice(iso.as_bytes()),
        Some(at) => {
            buf.extend_from_slice(&iso.as_bytes()[..at]);
            offset(buf, &iso[at..]);
        }
    }
    buf.push(b'"');
}

fn offset(buf: &mut Vec<u8>, text: &str) {
    let negative = text.starts_with('-');
    let mut parts = text[1..].split(':');
    let mut field = || {
        parts
            .next()
            .and_then(|p| p.split('.').next())
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let (hours, minutes, seconds) = (field(), field(), field());
    let total = hours * 3600 + minutes * 60 + seconds;
    offset_seconds(buf, if negative { -total } else { total });
}

/// A UTC offset in whole seconds as msgspec writes it: rounded half down to the minute, a
/// full day (+23:59:31) wrapping to zero, and zero written `Z`.
pub fn offset_seconds(buf: &mut Vec<u8>, seconds: i64) {
    let total_minutes = (seconds.abs() + 29) / 60 % 1440;
    if total_minutes == 0 {
        buf.push(b'Z');
        return;
    }
    buf.push(if seconds < 0 { b'-' } else { b'+' });
    buf.extend_from_slice(
        format!("{:02}:{:02}", total_minutes / 60, total_minutes % 60).as_bytes(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with<F: FnOnce(&mut Vec<u8>)>(f: F) -> String {
        let mut buf = Vec::new();
        f(&mut buf);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn strings_escape_only_what_msgspec_escapes() {
        let s = "a\"\\\u{0}\u{1f}\u{7f}/\u{2028}é\u{8}\t\n\u{c}\r";
        assert_eq!(
            with(|b| string(b, s)),
            "\"a\\\"\\\\\\u0000\\u001f\u{7f}/\u{2028}é\\b\\t\\n\\f\\r\""
        );
    }

    #[test]
    fn floats_follow_msgspec_layout() {
        let cases = [
            (1e-5, "0.00001"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e16"),
            (1.5e16, "1.5e16"),
            (1e-7, "1e-7"),
            (5e-324, "5e-324"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (1.7976931348623157e308, "1.7976931348623157e308"),
            (0.00001234, "0.00001234"),
            (f64::NAN, "null"),
        ];
        for (value, expected) in cases {
            assert_eq!(with(|b| float(b, value)), expected, "{value:e}");
        }
        assert_eq!(with(|b| float_key(b, f64::NEG_INFINITY)), "\"-inf\"");
    }

    #[test]
    fn timedeltas() {
        assert_eq!(with(|b| timedelta(b, 1, 3600, 0)), "\"P1DT3600S\"");
        assert_eq!(with(|b| timedelta(b, -1, 86399, 0)), "\"-PT1S\"");
        assert_eq!(with(|b| timedelta(b, 0, 0, 0)), "\"P0D\"");
        assert_eq!(with(|b| timedelta(b, 0, 1, 500_000)), "\"PT1.5S\"");
        assert_eq!(with(|b| timedelta(b, -1, 0, 5)), "\"-PT86399.999995S\"");
        assert_eq!(with(|b| timedelta(b, 0, 0, 120)), "\"PT0.00012S\"");
        assert_eq!(
            with(|b| timedelta(b, 999_999_999, 86399, 999_999)),
            "\"P999999999DT86399.999999S\""
        );
    }

    #[test]
    fn iso_offsets() {
        assert_eq!(
            with(|b| isoformat(b, "2024-01-02T03:04:05.000600+00:00")),
            "\"2024-01-02T03:04:05.000600Z\""
        );
        assert_eq!(
            with(|b| isoformat(b, "2024-01-02T03:04:05+05:00:31")),
            "\"2024-01-02T03:04:05+05:01\""
        );
        assert_eq!(
            with(|b| isoformat(b, "2024-01-02T03:04:05-05:00:29")),
            "\"2024-01-02T03:04:05-05:00\""
        );
        assert_eq!(
            with(|b| isoformat(b, "0001-01-01T00:00:00+00:00:30")),
            "\"0001-01-01T00:00:00Z\""
        );
        assert_eq!(
            with(|b| isoformat(b, "2024-01-02T03:04:05")),
            "\"2024-01-02T03:04:05\""
        );
        assert_eq!(
            with(|b| isoformat(b, "2000-01-01T00:00:00+23:59:31")),
            "\"2000-01-01T00:00:00Z\""
        );
        assert_eq!(
            with(|b| isoformat(b, "2000-01-01T00:00:00-00:01:30")),
            "\"2000-01-01T00:00:00-00:01\""
        );
        assert_eq!(
            with(|b| isoformat(b, "01:02:03.000004+02:00")),
            "\"01:02:03.000004+02:00\""
        );
        assert_eq!(with(|b| isoformat(b, "01:02:03")), "\"01:02:03\"");
    }
}
