// Re-exports wasmtime's C API (its #[no_mangle] functions) so that this crate's
// staticlib is libwasmtime.a.
pub use wasmtime_c_api::*;
