//! Coerced values to Python objects (with the GIL held): below both the bridge (parameters)
//! and the body builder (fast-path dates, UUIDs, decimals).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyList};
use pyo3::IntoPyObjectExt;

use crate::value::{Time, Value};

/// The Python types values are built as, looked up once.
pub struct ValueTypes {
    uuid_type: Py<PyAny>,
    date_type: Py<PyAny>,
    time_type: Py<PyAny>,
    datetime_type: Py<PyAny>,
    timezone_type: Py<PyAny>,
    timedelta_type: Py<PyAny>,
    utc: Py<PyAny>,
    decimal_type: Py<PyAny>,
}

impl ValueTypes {
    pub fn new(py: Python<'_>) -> PyResult<Self> {
        let datetime = py.import("datetime")?;
        let dt = |name: &str| datetime.getattr(name).map(Bound::unbind);
        Ok(Self {
            uuid_type: py.import("uuid")?.getattr("UUID")?.unbind(),
            date_type: dt("date")?,
            time_type: dt("time")?,
            datetime_type: dt("datetime")?,
            timezone_type: dt("timezone")?,
            timedelta_type: dt("timedelta")?,
            utc: datetime.getattr("timezone")?.getattr("utc")?.unbind(),
            decimal_type: py.import("decimal")?.getattr("Decimal")?.unbind(),
        })
    }

    fn tzinfo<'py>(&self, py: Python<'py>, offset: Option<i32>) -> PyResult<Bound<'py, PyAny>> {
        match offset {
            None => Ok(py.None().into_bound(py)),
            Some(0) => Ok(self.utc.bind(py).clone()),
            Some(seconds) => {
                let kwargs = PyDict::new(py);
                kwargs.set_item("seconds", seconds)?;
                let delta = self.timedelta_type.bind(py).call((), Some(&kwargs))?;
                self.timezone_type.bind(py).call1((delta,))
            }
        }
    }

    fn time_parts<'py>(
        &self,
        py: Python<'py>,
        t: &Time,
    ) -> PyResult<(u8, u8, u8, u32, Bound<'py, PyAny>)> {
        Ok((
            t.hour,
            t.minute,
            t.second,
            t.microsecond,
            self.tzinfo(py, t.offset)?,
        ))
    }

    pub fn to_py<'py>(&self, py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
        Ok(match value {
            Value::None => py.None().into_bound(py),
            Value::Bool(b) => b.into_bound_py_any(py)?,
            Value::Int(i) => i.into_bound_py_any(py)?,
            Value::BigInt(digits) => py.get_type::<PyInt>().call1((digits.as_str(),))?,
            Value::Float(f) => f.into_bound_py_any(py)?,
            Value::Str(s) => s.into_bound_py_any(py)?,
            Value::Uuid(u) => {
                let kwargs = PyDict::new(py);
                kwargs.set_item("int", *u)?;
                self.uuid_type.bind(py).call((), Some(&kwargs))?
            }
            Value::Date(d) => self.date_type.bind(py).call1((d.year, d.month, d.day))?,
            Value::Time(t) => self.time_type.bind(py).call1(self.time_parts(py, t)?)?,
            Value::DateTime(d, t) => {
                let (h, mi, s, us, tz) = self.time_parts(py, t)?;
                self.datetime_type
                    .bind(py)
                    .call1((d.year, d.month, d.day, h, mi, s, us, tz))?
            }
            Value::Decimal(text) => self.decimal_type.bind(py).call1((text.as_str(),))?,
            Value::List(items) => {
                let list = PyList::empty(py);
                for item in items {
                    list.append(self.to_py(py, item)?)?;
                }
                list.into_any()
            }
        })
    }
}
