//! RFC 3339 dates/times and UUIDs as msgspec parses them from strings.

use crate::value::{Date, Time};

pub fn parse_uuid(text: &str) -> Option<u128> {
    let b = text.as_bytes();
    let hex: Vec<u8> = match b.len() {
        32 => b.to_vec(),
        36 if [8, 13, 18, 23].iter().all(|&i| b[i] == b'-') => b
            .iter()
            .enumerate()
            .filter(|(i, _)| ![8, 13, 18, 23].contains(i))
            .map(|(_, c)| *c)
            .collect(),
        _ => return None,
    };
    let mut value: u128 = 0;
    for c in hex {
        value = (value << 4) | (c as char).to_digit(16)? as u128;
    }
    Some(value)
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |acc, c| acc * 10 + (c - b'0') as u32))
}

fn is_leap(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

pub fn parse_date(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    if year == 0 || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(Date {
        year: year as u16,
        month: month as u8,
        day: day as u8,
    })
}

/// Parses `HH:MM:SS[.fraction][Z|±HH:MM|±HHMM]`. The bool is true when rounding the fraction
/// carried past 23:59:59.999999 into the next day.
fn parse_time_carry(text: &str) -> Option<(Time, bool)> {
    let b = text.as_bytes();
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (hour, minute, second) = (digits(&b[0..2])?, digits(&b[3..5])?, digits(&b[6..8])?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut rest = &b[8..];
    let mut microsecond = 0u32;
    if rest.first() == Some(&b'.') {
        let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let frac = &rest[1..1 + n];
        let mut padded = [b'0'; 6];
        for (slot, c) in padded.iter_mut().zip(frac) {
            *slot = *c;
        }
        microsecond = digits(&padded)?;
        if n > 6 && frac[6] >= b'5' {
            microsecond += 1;
        }
        rest = &rest[1 + n..];
    }
    let offset = match rest {
        [] => None,
        [b'Z' | b'z'] => Some(0),
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let (h, m) = match tail {
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => {
                    (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?)
                }
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let seconds = (h * 3600 + m * 60) as i32;
            Some(if *sign == b'-' { -seconds } else { seconds })
        }
        _ => return None,
    };
    let mut total = ((hour * 60 + minute) * 60 + second) as u64 * 1_000_000 + microsecond as u64;
    let carried = total >= 86_400_000_000;
    total %= 86_400_000_000;
    let time = Time {
        hour: (total / 3_600_000_000) as u8,
        minute: (total / 60_000_000 % 60) as u8,
        second: (total / 1_000_000 % 60) as u8,
        microsecond: (total % 1_000_000) as u32,
        offset,
    };
    Some((time, carried))
}

/// A time whose rounding may carry past midnight, wrapped as msgspec's JSON decoding does.
pub fn parse_time_wrapping(text: &str) -> Option<Time> {
    parse_time_carry(text).map(|(time, _)| time)
}

pub fn parse_time(text: &str) -> Option<Time> {
    match parse_time_carry(text)? {
        (time, false) => Some(time),
        (_, true) => None,
    }
}

fn next_day(date: Date) -> Option<Date> {
    let (mut y, mut m, mut d) = (date.year as u32, date.month as u32, date.day as u32 + 1);
    if d > days_in_month(y, m) {
        d = 1;
        m += 1;
        if m > 12 {
            m = 1;
            y += 1;
        }
    }
    (y <= 9999).then_some(Date {
        year: y as u16,
        month: m as u8,
        day: d as u8,
    })
}

/// Lax datetime: RFC 3339, or seconds since the epoch.
pub fn parse_datetime(text: &str) -> Option<(Date, Time)> {
    parse_rfc3339_datetime(text).or_else(|| parse_unix_timestamp(text))
}

/// Strict (JSON) datetime: RFC 3339 only.
pub fn parse_rfc3339_datetime(text: &str) -> Option<(Date, Time)> {
    if text.len() > 10 && matches!(text.as_bytes()[10], b'T' | b't' | b' ') {
        let date = parse_date(text.get(..10)?)?;
        let (time, carried) = parse_time_carry(text.get(11..)?)?;
        let date = if carried { next_day(date)? } else { date };
        return Some((date, time));
    }
    None
}

/// msgspec's lax mode reads a numeric string as seconds since the epoch (UTC).
fn parse_unix_timestamp(text: &str) -> Option<(Date, Time)> {
    let seconds: f64 = text.parse().ok().filter(|_| {
        text.bytes()
            .all(|c| c.is_ascii_digit() || c == b'.' || c == b'-')
    })?;
    let micros = (seconds * 1_000_000.0).round() as i64;
    let days = micros.div_euclid(86_400_000_000);
    let in_day = micros.rem_euclid(86_400_000_000);
    let (year, month, day) = civil_from_days(days);
    if !(1..=9999).contains(&year) {
        return None;
    }
    let date = Date {
        year: year as u16,
        month,
        day,
    };
    let time = Time {
        hour: (in_day / 3_600_000_000) as u8,
        minute: (in_day / 60_000_000 % 60) as u8,
        second: (in_day / 1_000_000 % 60) as u8,
        microsecond: (in_day % 1_000_000) as u32,
        offset: Some(0),
    };
    Some((date, time))
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Whether msgspec's JSON decoding takes `text` as a date / time / datetime / UUID.
pub fn is_date(text: &str) -> bool {
    parse_date(text).is_some()
}

pub fn is_time(text: &str) -> bool {
    parse_time_wrapping(text).is_some()
}

pub fn is_datetime(text: &str) -> bool {
    parse_rfc3339_datetime(text).is_some()
}

pub fn is_uuid(text: &str) -> bool {
    parse_uuid(text).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids() {
        let v = 0x12345678123456781234567812345678u128;
        assert_eq!(parse_uuid("12345678-1234-5678-1234-567812345678"), Some(v));
        assert_eq!(parse_uuid("12345678123456781234567812345678"), Some(v));
        assert_eq!(parse_uuid("{12345678-1234-5678-1234-567812345678}"), None);
        assert_eq!(parse_uuid("12345678-1234-5678-1234-56781234567Z"), None);
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(
            parse_date("2024-02-29"),
            Some(Date {
                year: 2024,
                month: 2,
                day: 29
            })
        );
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2024-1-5"), None);
        let t = parse_time("10:11:12.1234567+01:00").unwrap();
        assert_eq!((t.microsecond, t.offset), (123_457, Some(3600)));
        assert_eq!(parse_time("10:11"), None);
        assert_eq!(parse_time("24:00:00"), None);
        assert_eq!(parse_time("10:11:12+0100").unwrap().offset, Some(3600));
    }

    #[test]
    fn datetimes_round_and_carry() {
        let (d, t) = parse_datetime("2024-12-31T23:59:59.9999996Z").unwrap();
        assert_eq!(
            (d.year, d.month, d.day, t.hour, t.microsecond),
            (2025, 1, 1, 0, 0)
        );
        assert_eq!(parse_datetime("2024-01-05T10:11"), None);
        let (d, t) = parse_datetime("1700000000").unwrap();
        assert_eq!(
            (d.year, d.month, d.day, t.hour, t.minute, t.offset),
            (2023, 11, 14, 22, 13, Some(0))
        );
    }
}
