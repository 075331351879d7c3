//! The whole Node-API boundary of the addon, in one file: the `extern "C"` declarations of the
//! few Node-API functions the addon calls (no napi crates: no registry is reachable), and the
//! small safe helpers the bindings use to read arguments and build results.
//!
//! Every exported function goes through `trampoline`, which catches Rust panics and turns every
//! `KernelError` into a JS `Error` whose `code` is one of `KernelError::code`; the TypeScript
//! side maps those to `SEG_ERR_*` codes in one function (engine/kernels/native-errors.ts).
//!
//! Typed arrays are never copied: `napi_get_typedarray_info` hands out a pointer into the JS
//! buffer (byte offset already applied) that stays valid for the duration of the call.

use std::ffi::{c_char, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::{null_mut, NonNull};

/// `napi_env`, `napi_value`, `napi_callback_info`: opaque pointers owned by Node.
pub type RawEnv = *mut c_void;
pub type RawValue = *mut c_void;
type RawInfo = *mut c_void;
/// `napi_status`: 0 is `napi_ok`.
type Status = i32;
type Callback = unsafe extern "C" fn(RawEnv, RawInfo) -> RawValue;
type Finalize = unsafe extern "C" fn(RawEnv, *mut c_void, *mut c_void);

/// `napi_type_tag`: tells our externals apart from any other external a caller might pass.
#[repr(C)]
pub struct TypeTag {
    pub lower: u64,
    pub upper: u64,
}

extern "C" {
    fn napi_get_cb_info(env: RawEnv, info: RawInfo, argc: *mut usize, argv: *mut RawValue, this: *mut RawValue, data: *mut *mut c_void) -> Status;
    fn napi_create_function(env: RawEnv, name: *const c_char, len: usize, cb: Callback, data: *mut c_void, result: *mut RawValue) -> Status;
    fn napi_set_named_property(env: RawEnv, object: RawValue, name: *const c_char, value: RawValue) -> Status;
    fn napi_get_typedarray_info(env: RawEnv, value: RawValue, kind: *mut i32, len: *mut usize, data: *mut *mut c_void, buffer: *mut RawValue, offset: *mut usize) -> Status;
    fn napi_is_typedarray(env: RawEnv, value: RawValue, result: *mut bool) -> Status;
    fn napi_typeof(env: RawEnv, value: RawValue, result: *mut i32) -> Status;
    fn napi_get_value_double(env: RawEnv, value: RawValue, result: *mut f64) -> Status;
    fn napi_create_double(env: RawEnv, value: f64, result: *mut RawValue) -> Status;
    fn napi_create_int32(env: RawEnv, value: i32, result: *mut RawValue) -> Status;
    fn napi_create_string_utf8(env: RawEnv, s: *const c_char, len: usize, result: *mut RawValue) -> Status;
    fn napi_create_array_with_length(env: RawEnv, len: usize, result: *mut RawValue) -> Status;
    fn napi_set_element(env: RawEnv, object: RawValue, index: u32, value: RawValue) -> Status;
    fn napi_get_undefined(env: RawEnv, result: *mut RawValue) -> Status;
    fn napi_throw_error(env: RawEnv, code: *const c_char, msg: *const c_char) -> Status;
    fn napi_is_exception_pending(env: RawEnv, result: *mut bool) -> Status;
    fn napi_create_external(env: RawEnv, data: *mut c_void, finalize: Option<Finalize>, hint: *mut c_void, result: *mut RawValue) -> Status;
    fn napi_get_value_external(env: RawEnv, value: RawValue, result: *mut *mut c_void) -> Status;
    fn napi_type_tag_object(env: RawEnv, value: RawValue, tag: *const TypeTag) -> Status;
    fn napi_check_object_type_tag(env: RawEnv, value: RawValue, tag: *const TypeTag, result: *mut bool) -> Status;
    fn napi_create_external_arraybuffer(env: RawEnv, data: *mut c_void, len: usize, finalize: Option<Finalize>, hint: *mut c_void, result: *mut RawValue) -> Status;
    fn napi_create_arraybuffer(env: RawEnv, len: usize, data: *mut *mut c_void, result: *mut RawValue) -> Status;
}

/// What a binding can fail with; `code()` is the contract with engine/kernels/native-errors.ts.
#[derive(Debug)]
pub enum KernelError {
    /// An argument has the wrong type, length or value.
    Argument(String),
    /// Data points outside the arrays it indexes (e.g. a customer number beyond the state).
    Range(String),
    /// A Node-API call failed (the status is in the message).
    Napi(String),
    /// A Rust panic, caught at the boundary.
    Panic(String),
}

impl KernelError {
    fn code(&self) -> &'static CStr {
        match self {
            KernelError::Argument(_) => c"ERR_NATIVE_ARGUMENT",
            KernelError::Range(_) => c"ERR_NATIVE_RANGE",
            KernelError::Napi(_) => c"ERR_NATIVE_NAPI",
            KernelError::Panic(_) => c"ERR_NATIVE_PANIC",
        }
    }

    fn message(&self) -> &str {
        match self {
            KernelError::Argument(m) | KernelError::Range(m) | KernelError::Napi(m) | KernelError::Panic(m) => m,
        }
    }
}

/// Shorthand for binding results.
pub type Result<T> = std::result::Result<T, KernelError>;

fn check(status: Status, what: &str) -> Result<()> {
    if status == 0 {
        Ok(())
    } else {
        Err(KernelError::Napi(format!("{what} failed with napi_status {status}")))
    }
}

/// Element types a typed array can be read as; `KIND` is the `napi_typedarray_type`.
pub trait Element: Copy {
    const KIND: i32;
    const NAME: &'static str;
}
impl Element for u8 { const KIND: i32 = 1; const NAME: &'static str = "Uint8Array"; }
impl Element for u16 { const KIND: i32 = 4; const NAME: &'static str = "Uint16Array"; }
impl Element for i32 { const KIND: i32 = 5; const NAME: &'static str = "Int32Array"; }
impl Element for u32 { const KIND: i32 = 6; const NAME: &'static str = "Uint32Array"; }
impl Element for f64 { const KIND: i32 = 8; const NAME: &'static str = "Float64Array"; }
impl Element for i64 { const KIND: i32 = 9; const NAME: &'static str = "BigInt64Array"; }

/// An integer id column as it may arrive from Arrow or a parser.
pub enum IdColumn<'a> {
    F64(&'a [f64]),
    I32(&'a [i32]),
    I64(&'a [i64]),
}

impl IdColumn<'_> {
    pub fn span(&self) -> Span<'static> {
        match self {
            IdColumn::F64(v) => span("ids", v),
            IdColumn::I32(v) => span("ids", v),
            IdColumn::I64(v) => span("ids", v),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            IdColumn::F64(v) => v.len(),
            IdColumn::I32(v) => v.len(),
            IdColumn::I64(v) => v.len(),
        }
    }
}

const MAX_ARGS: usize = 24;

/// One JS call: its environment and arguments.
pub struct Call {
    env: RawEnv,
    argv: [RawValue; MAX_ARGS],
    argc: usize,
}

/// The raw view of a typed array argument.
struct View {
    kind: i32,
    data: *mut c_void,
    len: usize,
}

impl Call {
    fn arg(&self, i: usize) -> Result<RawValue> {
        if i < self.argc {
            Ok(self.argv[i])
        } else {
            Err(KernelError::Argument(format!("argument {i} is missing")))
        }
    }

    fn view(&self, i: usize) -> Result<View> {
        let value = self.arg(i)?;
        let mut is_typed = false;
        check(unsafe { napi_is_typedarray(self.env, value, &mut is_typed) }, "napi_is_typedarray")?;
        if !is_typed {
            return Err(KernelError::Argument(format!("argument {i} is not a typed array")));
        }
        let mut view = View { kind: -1, data: null_mut(), len: 0 };
        let (mut buffer, mut offset) = (null_mut(), 0usize);
        check(
            unsafe { napi_get_typedarray_info(self.env, value, &mut view.kind, &mut view.len, &mut view.data, &mut buffer, &mut offset) },
            "napi_get_typedarray_info",
        )?;
        Ok(view)
    }

    /// Argument `i` as a slice of `T`, borrowed from the JS buffer for the rest of the call.
    ///
    /// Two arguments may be views of the same memory; a binding that takes several mutable
    /// arrays calls `ensure_disjoint` on them before use, which keeps the `&mut` slices unaliased.
    #[allow(clippy::mut_from_ref)]
    pub fn array<T: Element>(&self, i: usize) -> Result<&mut [T]> {
        let view = self.view(i)?;
        if view.kind != T::KIND {
            return Err(KernelError::Argument(format!("argument {i} must be a {}", T::NAME)));
        }
        Ok(unsafe { slice(view.data as *mut T, view.len) })
    }

    /// Like `array`, but `null` or `undefined` give `None`.
    #[allow(clippy::mut_from_ref)]
    pub fn optional_array<T: Element>(&self, i: usize) -> Result<Option<&mut [T]>> {
        if self.is_nullish(i)? {
            Ok(None)
        } else {
            self.array(i).map(Some)
        }
    }

    /// An integer id column: a Float64Array, Int32Array or BigInt64Array.
    pub fn id_column(&self, i: usize) -> Result<IdColumn<'_>> {
        let view = self.view(i)?;
        Ok(match view.kind {
            k if k == f64::KIND => IdColumn::F64(unsafe { slice(view.data as *mut f64, view.len) }),
            k if k == i32::KIND => IdColumn::I32(unsafe { slice(view.data as *mut i32, view.len) }),
            k if k == i64::KIND => IdColumn::I64(unsafe { slice(view.data as *mut i64, view.len) }),
            _ => return Err(KernelError::Argument(format!("argument {i} must be a Float64Array, Int32Array or BigInt64Array"))),
        })
    }

    fn is_nullish(&self, i: usize) -> Result<bool> {
        if i >= self.argc {
            return Ok(true);
        }
        let mut kind = -1;
        check(unsafe { napi_typeof(self.env, self.argv[i], &mut kind) }, "napi_typeof")?;
        Ok(kind == 0 || kind == 1) // napi_undefined, napi_null
    }

    /// Argument `i` as a number.
    pub fn number(&self, i: usize) -> Result<f64> {
        let mut v = 0.0;
        check(unsafe { napi_get_value_double(self.env, self.arg(i)?, &mut v) }, "napi_get_value_double")
            .map_err(|_| KernelError::Argument(format!("argument {i} must be a number")))?;
        Ok(v)
    }

    /// Like `number`, but `null` or `undefined` give `None`.
    pub fn optional_number(&self, i: usize) -> Result<Option<f64>> {
        if self.is_nullish(i)? {
            Ok(None)
        } else {
            self.number(i).map(Some)
        }
    }

    /// Argument `i` as an integer in `0..=max`.
    pub fn index(&self, i: usize, max: usize) -> Result<usize> {
        let v = self.number(i)?;
        if v >= 0.0 && v <= max as f64 && v.fract() == 0.0 {
            Ok(v as usize)
        } else {
            Err(KernelError::Argument(format!("argument {i} must be an integer in 0..={max}, got {v}")))
        }
    }

    /// Argument `i` as the `T` inside an external created by `external_new` with the same tag.
    #[allow(clippy::mut_from_ref)]
    pub fn external<T: 'static>(&self, i: usize, tag: &TypeTag) -> Result<&mut T> {
        let value = self.arg(i)?;
        let mut ok = false;
        check(unsafe { napi_check_object_type_tag(self.env, value, tag, &mut ok) }, "napi_check_object_type_tag")
            .map_err(|_| KernelError::Argument(format!("argument {i} is not a native handle")))?;
        if !ok {
            return Err(KernelError::Argument(format!("argument {i} is not the expected native handle")));
        }
        let mut data = null_mut();
        check(unsafe { napi_get_value_external(self.env, value, &mut data) }, "napi_get_value_external")?;
        // The tag guarantees `data` came from `external_new::<T>`; JS runs one call at a time per
        // thread and externals never cross threads, so this is the only live reference.
        Ok(unsafe { &mut *(data as *mut T) })
    }

    /// A new external owning `value`; Node drops it when the JS handle is collected.
    pub fn external_new<T: 'static>(&self, value: T, tag: &TypeTag) -> Result<RawValue> {
        unsafe extern "C" fn drop_box<T>(_env: RawEnv, data: *mut c_void, _hint: *mut c_void) {
            drop(unsafe { Box::from_raw(data as *mut T) });
        }
        let data = Box::into_raw(Box::new(value)) as *mut c_void;
        let mut result = null_mut();
        let status = unsafe { napi_create_external(self.env, data, Some(drop_box::<T>), null_mut(), &mut result) };
        if status != 0 {
            drop(unsafe { Box::from_raw(data as *mut T) });
            return Err(KernelError::Napi(format!("napi_create_external failed with napi_status {status}")));
        }
        check(unsafe { napi_type_tag_object(self.env, result, tag) }, "napi_type_tag_object")?;
        Ok(result)
    }

    pub fn int32(&self, v: i32) -> Result<RawValue> {
        let mut r = null_mut();
        check(unsafe { napi_create_int32(self.env, v, &mut r) }, "napi_create_int32")?;
        Ok(r)
    }

    pub fn double(&self, v: f64) -> Result<RawValue> {
        let mut r = null_mut();
        check(unsafe { napi_create_double(self.env, v, &mut r) }, "napi_create_double")?;
        Ok(r)
    }

    pub fn string(&self, s: &[u8]) -> Result<RawValue> {
        let mut r = null_mut();
        check(unsafe { napi_create_string_utf8(self.env, s.as_ptr() as *const c_char, s.len(), &mut r) }, "napi_create_string_utf8")?;
        Ok(r)
    }

    /// An ArrayBuffer over `values`' own memory (no copy); Node frees the vector when the buffer
    /// is collected. Where external buffers are not allowed, a copy into a JS-owned buffer.
    pub fn buffer<T: Copy + 'static>(&self, values: Vec<T>) -> Result<RawValue> {
        unsafe extern "C" fn drop_vec<T>(_env: RawEnv, _data: *mut c_void, hint: *mut c_void) {
            drop(unsafe { Box::from_raw(hint as *mut Vec<T>) });
        }
        let bytes = std::mem::size_of_val(values.as_slice());
        let mut result = null_mut();
        if bytes > 0 {
            let mut boxed = Box::new(values);
            let data = boxed.as_mut_ptr() as *mut c_void;
            let hint = Box::into_raw(boxed);
            let status = unsafe { napi_create_external_arraybuffer(self.env, data, bytes, Some(drop_vec::<T>), hint as *mut c_void, &mut result) };
            if status == 0 {
                return Ok(result);
            }
            let values = unsafe { Box::from_raw(hint) };
            let mut dest = null_mut();
            check(unsafe { napi_create_arraybuffer(self.env, bytes, &mut dest, &mut result) }, "napi_create_arraybuffer")?;
            unsafe { std::ptr::copy_nonoverlapping(values.as_ptr() as *const u8, dest as *mut u8, bytes) };
            return Ok(result);
        }
        let mut dest = null_mut();
        check(unsafe { napi_create_arraybuffer(self.env, 0, &mut dest, &mut result) }, "napi_create_arraybuffer")?;
        Ok(result)
    }

    pub fn undefined(&self) -> Result<RawValue> {
        let mut r = null_mut();
        check(unsafe { napi_get_undefined(self.env, &mut r) }, "napi_get_undefined")?;
        Ok(r)
    }

    /// A JS array of `len` values made by `item(i)`.
    pub fn js_array(&self, len: usize, mut item: impl FnMut(usize) -> Result<RawValue>) -> Result<RawValue> {
        let mut array = null_mut();
        check(unsafe { napi_create_array_with_length(self.env, len, &mut array) }, "napi_create_array_with_length")?;
        for i in 0..len {
            let v = item(i)?;
            check(unsafe { napi_set_element(self.env, array, i as u32, v) }, "napi_set_element")?;
        }
        Ok(array)
    }
}

/// A slice over JS memory; typed arrays of length 0 may have a null data pointer.
unsafe fn slice<'a, T>(data: *mut T, len: usize) -> &'a mut [T] {
    let ptr = if len == 0 || data.is_null() { NonNull::dangling().as_ptr() } else { data };
    unsafe { std::slice::from_raw_parts_mut(ptr, if data.is_null() { 0 } else { len }) }
}

/// Fails when an array the kernel writes shares memory with any other argument array (what
/// would alias a `&mut` slice); arrays that are only read may overlap each other.
pub fn ensure_disjoint(written: &[Span], read: &[Span]) -> Result<()> {
    let overlap = |a: &Span, b: &Span| a.2 > 0 && b.2 > 0 && (a.1 as usize) < b.1 as usize + b.2 && (b.1 as usize) < a.1 as usize + a.2;
    for (i, a) in written.iter().enumerate() {
        if let Some(b) = written[i + 1..].iter().chain(read).find(|b| overlap(a, b)) {
            return Err(KernelError::Argument(format!("{} and {} share memory", a.0, b.0)));
        }
    }
    Ok(())
}

/// `(name, start, byte length)` of an argument array.
pub type Span<'a> = (&'a str, *const u8, usize);

/// The `Span` of a slice, for `ensure_disjoint`.
pub fn span<'a, T>(name: &'a str, s: &[T]) -> Span<'a> {
    (name, s.as_ptr() as *const u8, std::mem::size_of_val(s))
}

/// A binding: reads its arguments from the call and returns a JS value.
pub type Handler = fn(&Call) -> Result<RawValue>;

unsafe extern "C" fn trampoline(env: RawEnv, info: RawInfo) -> RawValue {
    let mut call = Call { env, argv: [null_mut(); MAX_ARGS], argc: MAX_ARGS };
    let mut data = null_mut();
    if unsafe { napi_get_cb_info(env, info, &mut call.argc, call.argv.as_mut_ptr(), null_mut(), &mut data) } != 0 {
        throw(env, &KernelError::Napi("napi_get_cb_info failed".into()));
        return null_mut();
    }
    call.argc = call.argc.min(MAX_ARGS);
    // `data` is the `Handler` that `register` stored with this function.
    let handler: Handler = unsafe { std::mem::transmute::<*mut c_void, Handler>(data) };
    let outcome = catch_unwind(AssertUnwindSafe(|| handler(&call)));
    match outcome {
        Ok(Ok(value)) => value,
        Ok(Err(e)) => {
            throw(env, &e);
            null_mut()
        }
        Err(panic) => {
            let what = panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned());
            throw(env, &KernelError::Panic(what.unwrap_or_else(|| "panic".into())));
            null_mut()
        }
    }
}

fn throw(env: RawEnv, e: &KernelError) {
    let mut pending = false;
    unsafe { napi_is_exception_pending(env, &mut pending) };
    if pending {
        return; // a Node-API call already threw; keep that exception
    }
    let msg = CString::new(e.message().replace('\0', " ")).unwrap_or_default();
    unsafe { napi_throw_error(env, e.code().as_ptr(), msg.as_ptr()) };
}

/// Sets every `(name, handler)` as a function on `exports`; returns `exports`.
///
/// # Safety
/// `env` and `exports` are the arguments Node passed to `napi_register_module_v1`.
pub unsafe fn register(env: RawEnv, exports: RawValue, table: &[(&CStr, Handler)]) -> RawValue {
    for (name, handler) in table {
        let mut f = null_mut();
        let data = *handler as *mut c_void;
        if unsafe { napi_create_function(env, name.as_ptr(), usize::MAX, trampoline, data, &mut f) } != 0
            || unsafe { napi_set_named_property(env, exports, name.as_ptr(), f) } != 0
        {
            throw(env, &KernelError::Napi(format!("could not export {}", name.to_string_lossy())));
            return null_mut();
        }
    }
    exports
}
