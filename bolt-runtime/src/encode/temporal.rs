//! Dates, datetimes and times read straight from CPython's `datetime` object layout (stable
//! since CPython 3.3: a header, the hash, `hastzinfo`, packed bytes, then `tzinfo`), which is
//! how msgspec reads them too. The layout is verified once against known values; if it does
//! not match (another interpreter build), everything goes through `isoformat()` instead.

use pyo3::prelude::*;
use pyo3::types::PyTuple;

use super::write;

/// Offset of `hastzinfo` and the packed data: after PyObject_HEAD and the cached hash.
const HASTZINFO: usize = 2 * std::mem::size_of::<usize>() + std::mem::size_of::<isize>();
const DATA: usize = HASTZINFO + 1;

fn bytes_at<'a>(obj: &'a Bound<'_, PyAny>, offset: usize, len: usize) -> &'a [u8] {
    // SAFETY: only called for exact date/datetime/time instances after `Layout::verify`
    // proved the layout, so these bytes lie inside the object.
    unsafe { std::slice::from_raw_parts(obj.as_ptr().cast::<u8>().add(offset), len) }
}

fn tzinfo_offset(data_len: usize) -> usize {
    // data, then `fold` (one byte), then the pointer-aligned tzinfo.
    let end = DATA + data_len + 1;
    end.div_ceil(std::mem::align_of::<usize>()) * std::mem::align_of::<usize>()
}

/// The tzinfo object of an aware datetime/time, or None.
fn tzinfo<'a, 'py>(
    obj: &'a Bound<'py, PyAny>,
    data_len: usize,
) -> Option<Borrowed<'a, 'py, PyAny>> {
    if bytes_at(obj, HASTZINFO, 1)[0] == 0 {
        return None;
    }
    // SAFETY: as in `bytes_at`; `hastzinfo` says the tzinfo field exists and holds a reference.
    let ptr = unsafe {
        *obj.as_ptr()
            .cast::<u8>()
            .add(tzinfo_offset(data_len))
            .cast::<*mut pyo3::ffi::PyObject>()
    };
    // SAFETY: a non-null tzinfo field is a reference owned by `obj`, which outlives the borrow.
    (!ptr.is_null()).then(|| unsafe { Borrowed::from_ptr(obj.py(), ptr) })
}

fn push2(buf: &mut Vec<u8>, n: u8) {
    buf.push(b'0' + n / 10);
    buf.push(b'0' + n % 10);
}

fn push_digits(buf: &mut Vec<u8>, mut n: u32, width: usize) {
    let start = buf.len();
    buf.resize(start + width, b'0');
    for slot in buf[start..].iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

fn push_date(buf: &mut Vec<u8>, d: &[u8]) {
    // One copy of a stack array: dates are written per row in large responses.
    let year = u16::from(d[0]) << 8 | u16::from(d[1]);
    let digit = |n: u16| b'0' + (n % 10) as u8;
    let (month, day) = (u16::from(d[2]), u16::from(d[3]));
    buf.extend_from_slice(&[
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
        b'-',
        digit(month / 10),
        digit(month),
        b'-',
        digit(day / 10),
        digit(day),
    ]);
}

fn push_time(buf: &mut Vec<u8>, t: &[u8]) {
    push2(buf, t[0]);
    buf.push(b':');
    push2(buf, t[1]);
    buf.push(b':');
    push2(buf, t[2]);
    let micros = u32::from(t[3]) << 16 | u32::from(t[4]) << 8 | u32::from(t[5]);
    if micros != 0 {
        buf.push(b'.');
        push_digits(buf, micros, 6);
    }
}

pub struct Layout {
    direct: bool,
    utc: Py<PyAny>,
}

impl Layout {
    pub fn new(py: Python<'_>) -> PyResult<Self> {
        let datetime = py.import("datetime")?;
        let utc = datetime.getattr("timezone")?.getattr("utc")?;
        let mut layout = Layout {
            direct: true,
            utc: utc.clone().unbind(),
        };
        let date = datetime.getattr("date")?.call1((2024, 3, 17))?;
        let moment = datetime
            .getattr("datetime")?
            .call1((2021, 12, 31, 23, 59, 58, 123_456, &utc))?;
        let clock = datetime.getattr("time")?.call1((1, 2, 3, 456_789))?;
        let mut probe = Vec::new();
        let direct = [
            (&date, "\"2024-03-17\""),
            (&moment, "\"2021-12-31T23:59:58.123456Z\""),
            (&clock, "\"01:02:03.456789\""),
        ]
        .iter()
        .all(|(value, expected)| {
            probe.clear();
            let kind = if value.is(&date) {
                0
            } else if value.is(&moment) {
                1
            } else {
                2
            };
            // SAFETY: the probes are exact date/datetime/time instances, `kind` picked to match.
            let written = unsafe { layout.write(kind, value, &mut probe) };
            written.is_ok() && probe == expected.as_bytes()
        });
        layout.direct = direct;
        Ok(layout)
    }

    /// `kind`: 0 date, 1 datetime, 2 time.
    ///
    /// # Safety
    /// `value` must be an exact instance of `kind`'s class: its CPython layout is read directly.
    pub(crate) unsafe fn write(
        &self,
        kind: u8,
        value: &Bound<'_, PyAny>,
        buf: &mut Vec<u8>,
    ) -> PyResult<()> {
        if !self.direct {
            if kind == 0 {
                write::string(buf, value.str()?.to_str()?);
            } else {
                write::isoformat(buf, value.call_method0("isoformat")?.extract::<&str>()?);
            }
            return Ok(());
        }
        buf.push(b'"');
        let data_len = match kind {
            0 => {
                push_date(buf, bytes_at(value, DATA, 4));
                buf.push(b'"');
                return Ok(());
            }
            1 => {
                let d = bytes_at(value, DATA, 10);
                push_date(buf, &d[..4]);
                buf.push(b'T');
                push_time(buf, &d[4..]);
                10
            }
            _ => {
                push_time(buf, bytes_at(value, DATA, 6));
                6
            }
        };
        if let Some(tz) = tzinfo(value, data_len) {
            if tz.is(self.utc.bind(value.py())) {
                buf.push(b'Z');
            } else if !tz.is_none() {
                self.offset(value, buf)?;
            }
        }
        buf.push(b'"');
        Ok(())
    }

    /// A non-UTC offset, from `utcoffset()` (tzinfo objects compute it in Python).
    fn offset(&self, value: &Bound<'_, PyAny>, buf: &mut Vec<u8>) -> PyResult<()> {
        let delta = value.call_method0("utcoffset")?;
        if delta.is_none() {
            return Ok(()); // e.g. a time with a ZoneInfo: no fixed offset
        }
        let parts = PyTuple::new(
            value.py(),
            [delta.getattr("days")?, delta.getattr("seconds")?],
        )?;
        let (days, seconds): (i64, i64) = parts.extract()?;
        write::offset_seconds(buf, days * 86_400 + seconds);
        Ok(())
    }
}
