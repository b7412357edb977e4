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

/// The longest copy `copy_short` makes without a `memcpy` call.
pub const SHORT_COPY: usize = 32;

/// Copy `len <= SHORT_COPY` bytes with two (possibly overlapping) loads and stores of one
/// width, or a few single bytes below 4: no `memcpy` call for the short pieces JSON is made
/// of (keys, numbers, most strings).
///
/// # Safety
/// `src` must be readable and `dst` writable for `len` bytes, the two must not overlap, and
/// `len <= SHORT_COPY`.
#[inline(always)]
pub unsafe fn copy_short(src: *const u8, dst: *mut u8, len: usize) {
    debug_assert!(len <= SHORT_COPY);
    // SAFETY: every access below starts at `0` or at `len - width` for a width <= len, so it
    // stays inside the `len` bytes the caller guarantees on both sides.
    unsafe {
        if len > 16 {
            dst.cast::<u128>()
                .write_unaligned(src.cast::<u128>().read_unaligned());
            dst.add(len - 16)
                .cast::<u128>()
                .write_unaligned(src.add(len - 16).cast::<u128>().read_unaligned());
        } else if len >= 8 {
            dst.cast::<u64>()
                .write_unaligned(src.cast::<u64>().read_unaligned());
            dst.add(len - 8)
                .cast::<u64>()
                .write_unaligned(src.add(len - 8).cast::<u64>().read_unaligned());
        } else if len >= 4 {
            dst.cast::<u32>()
                .write_unaligned(src.cast::<u32>().read_unaligned());
            dst.add(len - 4)
                .cast::<u32>()
                .write_unaligned(src.add(len - 4).cast::<u32>().read_unaligned());
        } else {
            for i in 0..len {
                *dst.add(i) = *src.add(i);
            }
        }
    }
}

/// `buf.extend_from_slice(bytes)`, without a `memcpy` call for short pieces.
#[inline]
pub fn extend(buf: &mut Vec<u8>, bytes: &[u8]) {
    let len = bytes.len();
    if len > SHORT_COPY {
        buf.extend_from_slice(bytes);
        return;
    }
    buf.reserve(len);
    // SAFETY: `len` bytes of spare capacity are reserved, `bytes` is a separate borrow of
    // `len <= SHORT_COPY` bytes; exactly those `len` bytes are then initialized and made part
    // of the vector.
    unsafe {
        copy_short(bytes.as_ptr(), buf.as_mut_ptr().add(buf.len()), len);
        buf.set_len(buf.len() + len);
    }
}

/// The longest string `short_plain` writes.
const SHORT_STRING: usize = SHORT_COPY;

/// `"bytes"` for up to 32 bytes that need no escaping: one reservation, then raw stores (the
/// usual field value: a name, a code, a tag, a short note).
#[inline(always)]
fn short_plain(buf: &mut Vec<u8>, bytes: &[u8]) {
    let len = bytes.len();
    debug_assert!(len <= SHORT_STRING);
    buf.reserve(len + 2);
    // SAFETY: `len + 2` bytes of spare capacity are reserved: the opening quote, `len <=
    // SHORT_COPY` bytes copied from the separate borrow `bytes`, and the closing quote land in
    // it, and exactly those `len + 2` bytes are then made part of the vector.
    unsafe {
        let dst = buf.as_mut_ptr().add(buf.len());
        *dst = b'"';
        copy_short(bytes.as_ptr(), dst.add(1), len);
        *dst.add(len + 1) = b'"';
        buf.set_len(buf.len() + len + 2);
    }
}

/// Whether any byte of `bytes` is `"`, `\\` or a control character (a word at a time: a flag
/// at a byte that is none of these needs a borrow from one below it, so any flag is real).
#[inline(always)]
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let flagged = |chunk: &[u8]| {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
        zero_byte(word ^ (ONES * u64::from(b'"')))
            | zero_byte(word ^ (ONES * u64::from(b'\\')))
            | below_space
            != 0
    };
    if bytes.len() < 8 {
        return bytes.iter().any(|&b| NEEDS_ESCAPE[b as usize]);
    }
    let mut chunks = bytes.chunks_exact(8);
    if chunks.any(flagged) {
        return true;
    }
    // The last (partial) word, read as the final 8 bytes, overlapping the previous word.
    !chunks.remainder().is_empty() && flagged(&bytes[bytes.len() - 8..])
}

/// `"..."` with only `"`, `\` and control characters escaped; everything else written raw.
#[inline]
pub fn string(buf: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    if bytes.len() <= SHORT_STRING && !needs_escape(bytes) {
        short_plain(buf, bytes);
        return;
    }
    long_or_escaped(buf, bytes);
}

/// `string` for what the short path does not take: kept out of line, so the short path stays
/// small enough to inline into every encoder.
#[cold]
#[inline(never)]
fn long_or_escaped(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.reserve(bytes.len() + 2);
    buf.push(b'"');
    // Most strings need no escaping: one scan (a word at a time), one copy.
    if !needs_escape(bytes) {
        extend(buf, bytes);
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
    extend(buf, itoa::Buffer::new().format(value).as_bytes());
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

/// `10^k` for the fraction digits `short_decimal` tries.
const DECIMAL_SCALES: [f64; 5] = [1.0, 10.0, 100.0, 1_000.0, 10_000.0];

/// A float that is a decimal of at most four fraction digits, with magnitude in [1e-3, 1e9)
/// (prices, quantities, scores), written from integer digits: several times fewer
/// instructions than the general shortest-digits algorithm, and the same text.
///
/// Why it is the shortest round-trip text: for the smallest `k` where `n / 10^k` (correctly
/// rounded, as parsing rounds) is `value`, the decimal `n·10^-k` reads back as `value`, and
/// no decimal with fewer fraction digits does (each smaller `k` was checked exactly). In this
/// range a float's spacing times `10^k` stays below 1.3e-3 and `value · 10^k` is off by at most
/// 1e-3, so rounding it finds the only candidate `n` of each `k`.
#[inline]
fn short_decimal(buf: &mut Vec<u8>, value: f64) -> bool {
    let magnitude = value.abs();
    if !(1e-3..1e9).contains(&magnitude) {
        return false;
    }
    let Some((fraction_digits, scaled)) =
        DECIMAL_SCALES
            .iter()
            .enumerate()
            .find_map(|(fraction_digits, &scale)| {
                // Below 1e13: exact as an integer, rounded to nearest by the +0.5.
                let scaled = (magnitude * scale + 0.5) as i64;
                (scaled as f64 / scale == magnitude).then_some((fraction_digits, scaled))
            })
    else {
        return false;
    };
    // Digits from the right: the fraction's (zero-padded), the point, then the whole part's
    // (at least one). 13 digits, the point and a sign fit in 16 bytes.
    let mut text = [0u8; 16];
    let mut at = text.len();
    let mut rest = scaled as u64;
    for _ in 0..fraction_digits {
        at -= 1;
        text[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    if fraction_digits == 0 {
        at -= 1;
        text[at] = b'0';
    }
    at -= 1;
    text[at] = b'.';
    loop {
        at -= 1;
        text[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if value < 0.0 {
        at -= 1;
        text[at] = b'-';
    }
    extend(buf, &text[at..]);
    true
}

/// zmij gives the same shortest digits and layout as msgspec's Ryu, except that positive
/// exponents carry a `+` (`1e+16`), which msgspec does not write.
#[inline]
fn finite(buf: &mut Vec<u8>, value: f64) {
    if short_decimal(buf, value) {
        return;
    }
    shortest(buf, value);
}

#[inline]
fn shortest(buf: &mut Vec<u8>, value: f64) {
    let mut digits = zmij::Buffer::new();
    let text = digits.format_finite(value).as_bytes();
    // Only exponent forms (|value| >= 1e16) can hold a `+`.
    if value.abs() < 1e16 {
        extend(buf, text);
        return;
    }
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
    let (whole, fraction) = text[1..].split_once('.').unwrap_or((&text[1..], ""));
    let mut parts = whole.split(':').map(|p| p.parse::<i64>().unwrap_or(0));
    let mut field = || parts.next().unwrap_or(0);
    let (hours, minutes, seconds) = (field(), field(), field());
    let total = hours * 3600 + minutes * 60 + seconds;
    // msgspec reads `days * 86400 + seconds` of the normalized timedelta: microseconds are
    // dropped after flooring, so -00:00:30.5 counts as -31 s.
    let has_fraction = fraction.bytes().any(|b| b != b'0');
    offset_seconds(
        buf,
        if negative {
            -total - i64::from(has_fraction)
        } else {
            total
        },
    );
}

/// A UTC offset in whole seconds as msgspec writes it: rounded half down to the minute
/// (30 s -> 0, 31 s -> 1 min), never past 23:59, and zero written `Z`.
pub fn offset_seconds(buf: &mut Vec<u8>, seconds: i64) {
    let total_minutes = ((seconds.abs() + 29) / 60).min(23 * 60 + 59);
    if total_minutes == 0 {
        buf.push(b'Z');
        return;
    }
    buf.push(if seconds < 0 { b'-' } else { b'+' });
    buf.extend_from_slice(
        format!("{:02}:{:02}", total_minutes / 60, total_minutes % 60).as_bytes(),
    );
}

/// `"name":`, the key bytes of a JSON object member as msgspec writes them.
pub fn key_bytes(name: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(name.len() + 3);
    string(&mut key, name);
    key.push(b':');
    key
}

/// A JSON scalar (a tag value) as msgspec writes it.
pub fn json_bytes(value: &serde_json::Value) -> Vec<u8> {
    match value {
        serde_json::Value::String(s) => {
            let mut out = Vec::new();
            string(&mut out, s);
            out
        }
        other => other.to_string().into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both float writers on `value`, when the short one takes it.
    fn short_and_shortest(value: f64) -> Option<(String, String)> {
        let mut short = Vec::new();
        short_decimal(&mut short, value).then(|| {
            let mut general = Vec::new();
            shortest(&mut general, value);
            (
                String::from_utf8(short).unwrap(),
                String::from_utf8(general).unwrap(),
            )
        })
    }

    #[test]
    fn short_decimals_match_the_shortest_digits() {
        let mut taken = 0;
        let mut check = |value: f64| {
            if let Some((short, general)) = short_and_shortest(value) {
                assert_eq!(short, general, "{value:e}");
                taken += 1;
            }
        };
        for i in -200_000i64..200_000 {
            let i = i as f64;
            for divisor in [1.0, 4.0, 10.0, 100.0, 1_000.0, 10_000.0, 3.0, 7.0, 1e5] {
                check(i / divisor);
            }
        }
        // Around the edges of the range and of each digit count, and arbitrary doubles
        // (a fixed linear congruential sequence: the same values on every run).
        for edge in [
            1e-3,
            1e9,
            1.0,
            10.0,
            0.1,
            0.01,
            999_999_999.999_9,
            123_456_789.062_5,
        ] {
            let mut value = edge;
            for _ in 0..64 {
                check(value);
                check(-value);
                value = f64::from_bits(value.to_bits() + 1);
            }
            let mut value = edge;
            for _ in 0..64 {
                check(value);
                value = f64::from_bits(value.to_bits() - 1);
            }
        }
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..200_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let magnitude = 10f64.powi((state >> 60) as i32 - 4);
            let value = (state >> 11) as f64 / (1u64 << 53) as f64 * magnitude;
            check(value);
            check((value * 10_000.0).round() / 10_000.0);
            check((value * 100.0).round() / 100.0);
        }
        assert!(taken > 1_000_000, "the short path took only {taken} values");
    }

    #[test]
    fn short_decimals_leave_the_rest_to_the_general_writer() {
        for value in [
            0.0,
            -0.0,
            1e-4,
            5e-4,
            1e9,
            2.5e9,
            1e16,
            0.1 + 0.2,
            1.0 / 3.0,
            1e-3 / 3.0,
        ] {
            assert!(short_and_shortest(value).is_none(), "{value:e}");
        }
        assert_eq!(with(|b| float(b, 49.25)), "49.25");
        assert_eq!(with(|b| float(b, -0.0015)), "-0.0015");
        assert_eq!(with(|b| float(b, 1200.0)), "1200.0");
        assert_eq!(with(|b| float(b, 0.3)), "0.3");
    }

    fn with<F: FnOnce(&mut Vec<u8>)>(f: F) -> String {
        let mut buf = Vec::new();
        f(&mut buf);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn short_strings_of_every_length_are_copied_whole() {
        let alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTé";
        for len in 0..=44 {
            let text: String = alphabet.chars().take(len).collect();
            let mut buf = b"prefix".to_vec();
            string(&mut buf, &text);
            assert_eq!(buf, format!("prefix\"{text}\"").into_bytes(), "{len}");
            let with_quote = format!("{text}\"");
            assert_eq!(with(|b| string(b, &with_quote)), format!("\"{text}\\\"\""));
        }
    }

    #[test]
    fn a_byte_to_escape_is_found_at_every_position() {
        for len in 1..=40 {
            for at in 0..len {
                for (byte, escaped) in [
                    (b'"', "\\\""),
                    (b'\\', "\\\\"),
                    (b'\n', "\\n"),
                    (1, "\\u0001"),
                ] {
                    let mut text = vec![b'x'; len];
                    text[at] = byte;
                    let text = String::from_utf8(text).unwrap();
                    let expected = format!("\"{}{escaped}{}\"", &text[..at], &text[at + 1..]);
                    assert_eq!(with(|b| string(b, &text)), expected, "{len} {at}");
                }
            }
        }
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
    fn short_copies_append_exactly() {
        let source: Vec<u8> = (0u8..40).collect();
        for len in 0..=40 {
            let mut buf = b"ab".to_vec();
            extend(&mut buf, &source[..len]);
            assert_eq!(&buf[..2], b"ab");
            assert_eq!(&buf[2..], &source[..len]);
        }
    }

    #[test]
    fn escape_detection_matches_the_table() {
        for special in 0u8..=255 {
            for at in 0..12 {
                let mut text = *b"plain text!!";
                text[at] = special;
                assert_eq!(
                    needs_escape(&text),
                    NEEDS_ESCAPE[special as usize],
                    "{special} at {at}"
                );
            }
        }
        assert!(!needs_escape("caf\u{e9} \u{2028} long enough".as_bytes()));
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
            "\"2000-01-01T00:00:00+23:59\""
        );
        assert_eq!(
            with(|b| isoformat(b, "2000-01-01T00:00:00-00:00:30.000001")),
            "\"2000-01-01T00:00:00-00:01\""
        );
        assert_eq!(
            with(|b| isoformat(b, "2000-01-01T00:00:00+00:00:30.999999")),
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
