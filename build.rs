//! Two jobs. `exec` needs only a builtin profile's `api_base` template, and
//! parsing the whole profile cost more than the rest of a call: the
//! templates are read from `assets/providers/*.toml` here, into
//! `$OUT_DIR/api_bases.rs` (a test checks them against the parsed profiles).
//!
//! Release binaries on Linux (glibc) pack their relative relocations
//! (`DT_RELR`): at every start of a `token` or `exec` call the loader then
//! reads a few kilobytes instead of a 24-byte entry per pointer. Needs glibc
//! 2.36 (checked here, on the building machine) and binutils 2.38 (an older
//! `ld` ignores the option with a warning). Debug and test builds are left
//! as they are.

use std::fmt::Write as _;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    api_bases();
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    if var("PROFILE") == "release"
        && var("CARGO_CFG_TARGET_OS") == "linux"
        && var("CARGO_CFG_TARGET_ENV") == "gnu"
        && glibc_at_least(2, 36)
    {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// `getconf GNU_LIBC_VERSION` prints `glibc 2.36`.
fn glibc_at_least(major: u32, minor: u32) -> bool {
    let Ok(out) = Command::new("getconf").arg("GNU_LIBC_VERSION").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text
        .trim()
        .trim_start_matches("glibc ")
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let found = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    out.status.success() && found >= (major, minor)
}

/// `BUILTIN_API_BASES`: (profile id, its `api_base` template) per builtin.
fn api_bases() {
    println!("cargo:rerun-if-changed=assets/providers");
    let mut files: Vec<_> = std::fs::read_dir("assets/providers")
        .expect("assets/providers")
        .map(|e| e.expect("assets/providers entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut out =
        String::from("pub(crate) const BUILTIN_API_BASES: &[(&str, Option<&str>)] = &[\n");
    for path in files {
        println!("cargo:rerun-if-changed={}", path.display());
        let src = std::fs::read_to_string(&path).expect("profile");
        let table: toml::Table = src
            .parse()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let id = table
            .get("id")
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("{}: no id", path.display()));
        let base = table.get("api_base").and_then(|v| v.as_str());
        writeln!(out, "    ({id:?}, {base:?}),").expect("write to a String");
    }
    out.push_str("];\n");
    let dest =
        std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("api_bases.rs");
    std::fs::write(dest, out).expect("write api_bases.rs");
}
