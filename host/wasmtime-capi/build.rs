// Tells host/build-wasmtime.sh where wasmtime-c-api-impl installed its C/C++ headers
// (its OUT_DIR/include, exported to dependents as DEP_WASMTIME_C_API_INCLUDE): the
// path is written to the file named by WATCHFILTER_WASMTIME_INCLUDE_FILE.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=WATCHFILTER_WASMTIME_INCLUDE_FILE");
    let inc = std::env::var("DEP_WASMTIME_C_API_INCLUDE").expect("DEP_WASMTIME_C_API_INCLUDE");
    if let Ok(file) = std::env::var("WATCHFILTER_WASMTIME_INCLUDE_FILE") {
        std::fs::write(file, inc).expect("write WATCHFILTER_WASMTIME_INCLUDE_FILE");
    }
}
