//! Calls and contexts through CPython's C API where pyo3's abi3-py311 build would allocate.
//!
//! Under the 3.11 limited API pyo3 calls every callable with a new argument tuple, and a
//! context can only be entered through `Context.run`. `PyObject_Vectorcall` (public since
//! 3.9, limited API from 3.12) and `PyContext_New/Enter/Exit` (public since 3.7) are exported
//! by every CPython this package supports (3.11 to 3.14), so the abi3 extension declares them
//! itself: the hot path calls handlers with their arguments in place, and runs each request
//! in a fresh context without a Python-level call.

use std::os::raw::c_int;

use pyo3::ffi;
use pyo3::prelude::*;

// SAFETY: these are the documented signatures of CPython's public C API functions of the
// same names (Include/cpython/abstract.h, Include/cpython/context.h), exported by CPython
// 3.11 and later.
unsafe extern "C" {
    #[link_name = "PyObject_Vectorcall"]
    fn vectorcall_raw(
        callable: *mut ffi::PyObject,
        args: *const *mut ffi::PyObject,
        nargsf: usize,
        kwnames: *mut ffi::PyObject,
    ) -> *mut ffi::PyObject;
    #[link_name = "PyContext_New"]
    fn context_new_raw() -> *mut ffi::PyObject;
    #[link_name = "PyContext_Enter"]
    fn context_enter_raw(ctx: *mut ffi::PyObject) -> c_int;
    #[link_name = "PyContext_Exit"]
    fn context_exit_raw(ctx: *mut ffi::PyObject) -> c_int;
    #[link_name = "PyUnicode_New"]
    fn unicode_new_raw(size: ffi::Py_ssize_t, maxchar: u32) -> *mut ffi::PyObject;
}

/// Where the characters of a compact ASCII string start, from the object's address: found
/// and checked once per process (None when this interpreter lays strings out otherwise).
static ASCII_DATA_OFFSET: std::sync::OnceLock<Option<usize>> = std::sync::OnceLock::new();

fn ascii_data_offset(py: Python<'_>) -> Option<usize> {
    *ASCII_DATA_OFFSET.get_or_init(|| {
        let probe = pyo3::types::PyString::new(py, "bolt-probe");
        let mut size: ffi::Py_ssize_t = 0;
        // SAFETY: the GIL is held and `probe` is a live str; for a compact ASCII string the
        // UTF-8 pointer is its character data, inside the object.
        let data = unsafe { ffi::PyUnicode_AsUTF8AndSize(probe.as_ptr(), &mut size) };
        if data.is_null() || size != 10 {
            return None;
        }
        let offset = (data as usize).checked_sub(probe.as_ptr() as usize)?;
        // Check the layout on a string made the way `ascii_string` makes them.
        // SAFETY: as in `ascii_string` (offset verified against a real string just above,
        // and the comparison below rejects a layout where the copy did not land as text).
        let made = unsafe { fill_ascii(py, b"bolt-probe", offset) }.ok()?;
        made.eq(&probe).ok()?.then_some(offset)
    })
}

/// # Safety
/// `offset` must be where a compact ASCII string's characters start (checked by
/// `ascii_data_offset`), and `bytes` ASCII.
#[inline(always)]
unsafe fn fill_ascii<'py>(
    py: Python<'py>,
    bytes: &[u8],
    offset: usize,
) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: the GIL is held (`py`); a maximum character of 127 asks for a compact ASCII
    // string of `bytes.len()` characters, returned as a new reference (or null with an error).
    let object = unsafe { unicode_new_raw(bytes.len() as ffi::Py_ssize_t, 127) };
    // SAFETY: `object` is a new reference or null, as from_owned_ptr_or_err expects.
    let object = unsafe { Bound::from_owned_ptr_or_err(py, object)? };
    // SAFETY: the caller guarantees `offset` is where this layout's characters start; the
    // string was allocated for exactly `bytes.len()` of them, and nothing else refers to it yet.
    unsafe {
        let data = object.as_ptr().cast::<u8>().add(offset);
        if bytes.len() <= bolt_schema::write::SHORT_COPY {
            bolt_schema::write::copy_short(bytes.as_ptr(), data, bytes.len());
        } else {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), data, bytes.len());
        }
    }
    Ok(object)
}

/// A `str` of `text` made like msgspec makes ASCII strings: allocated at its final size and
/// filled with one copy (no UTF-8 decoding); other text goes through PyUnicode's decoder.
#[inline]
pub fn string<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    if !text.is_empty() && text.is_ascii() {
        if let Some(offset) = ascii_data_offset(py) {
            // SAFETY: the offset is the verified start of a compact ASCII string's data, and
            // the text is ASCII; PyUnicode_New(len, 127) made room for exactly `len` bytes
            // plus its terminator, and nobody else has seen the new string yet.
            return unsafe { fill_ascii(py, text.as_bytes(), offset) };
        }
    }
    Ok(pyo3::types::PyString::new(py, text).into_any())
}

/// `PY_VECTORCALL_ARGUMENTS_OFFSET`: the callee may use `args[-1]` as scratch space.
const ARGUMENTS_OFFSET: usize = 1 << (usize::BITS - 1);

/// The most positional arguments `call` passes without allocating.
const INLINE_ARGS: usize = 8;

/// `callable(*args)` without an argument tuple (up to `INLINE_ARGS` arguments; more go
/// through a heap array, still without a tuple).
pub fn call<'py>(
    callable: &Bound<'py, PyAny>,
    args: &[Bound<'py, PyAny>],
) -> PyResult<Bound<'py, PyAny>> {
    let py = callable.py();
    let mut inline = [std::ptr::null_mut(); INLINE_ARGS + 1];
    let mut heap = Vec::new();
    let slots: &mut [*mut ffi::PyObject] = if args.len() <= INLINE_ARGS {
        &mut inline[..=args.len()]
    } else {
        heap.resize(args.len() + 1, std::ptr::null_mut());
        &mut heap
    };
    for (slot, arg) in slots[1..].iter_mut().zip(args) {
        *slot = arg.as_ptr();
    }
    // SAFETY: the GIL is held (`py`); `slots[1..]` holds `args.len()` borrowed references
    // that `args` keeps alive for the call, and `slots[0]` is the writable scratch slot that
    // ARGUMENTS_OFFSET allows the callee to use. The result is a new reference or NULL with
    // an exception set.
    unsafe {
        let result = vectorcall_raw(
            callable.as_ptr(),
            slots.as_ptr().add(1),
            args.len() | ARGUMENTS_OFFSET,
            std::ptr::null_mut(),
        );
        Bound::from_owned_ptr_or_err(py, result)
    }
}

/// `callable(arg)` without an argument tuple.
pub fn call1<'py>(
    callable: &Bound<'py, PyAny>,
    arg: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    call(callable, std::slice::from_ref(arg))
}

/// A `contextvars.Context` entered on this thread until `exit` (or drop, which leaves it
/// too, so no path can keep a request's context current for the next one).
pub struct EnteredContext<'py> {
    context: Option<Bound<'py, PyAny>>,
}

impl<'py> EnteredContext<'py> {
    /// A fresh, empty context, entered.
    pub fn enter(py: Python<'py>) -> PyResult<Self> {
        // SAFETY: the GIL is held; PyContext_New returns a new reference or NULL with an
        // exception set.
        let context = unsafe { Bound::from_owned_ptr_or_err(py, context_new_raw())? };
        Self::enter_context(context)
    }

    /// Enter a request's context again (to render a result in it).
    pub fn reenter(py: Python<'py>, context: RequestContext) -> PyResult<Self> {
        Self::enter_context(context.0.into_bound(py))
    }

    fn enter_context(context: Bound<'py, PyAny>) -> PyResult<Self> {
        let py = context.py();
        // SAFETY: the GIL is held and `context` is a Context object (made by PyContext_New,
        // possibly kept as a RequestContext); entering one that is already entered fails
        // with an exception set, reported here.
        if unsafe { context_enter_raw(context.as_ptr()) } != 0 {
            return Err(PyErr::fetch(py));
        }
        Ok(Self {
            context: Some(context),
        })
    }

    /// Leave the context and hand it back, e.g. for a Task that continues in it.
    pub fn exit(mut self) -> PyResult<RequestContext> {
        let context = self.context.take().expect("entered until exit");
        leave(&context)?;
        Ok(RequestContext(context.unbind()))
    }
}

/// A request's context, left: only `EnteredContext::exit` makes one, so whatever is entered
/// again is a real `contextvars.Context`.
pub struct RequestContext(Py<PyAny>);

impl RequestContext {
    pub fn object<'py>(&self, py: Python<'py>) -> &Bound<'py, PyAny> {
        self.0.bind(py)
    }
}

fn leave(context: &Bound<'_, PyAny>) -> PyResult<()> {
    // SAFETY: the GIL is held and `context` is the Context this guard entered on this thread;
    // if it is not the current one any more, PyContext_Exit reports that with an exception.
    if unsafe { context_exit_raw(context.as_ptr()) } != 0 {
        return Err(PyErr::fetch(context.py()));
    }
    Ok(())
}

impl Drop for EnteredContext<'_> {
    fn drop(&mut self) {
        if let Some(context) = self.context.take() {
            if let Err(err) = leave(&context) {
                err.print(context.py());
            }
        }
    }
}
