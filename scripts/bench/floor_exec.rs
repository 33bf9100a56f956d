//! The floor of `exec -- PROGRAM`: the least a Rust program that reads a
//! settings file and becomes another program with a value of it in the
//! environment can cost. `rustc -O`, like the release build.
use std::os::unix::process::CommandExt;

fn main() {
    let mut args = std::env::args_os().skip(1);
    let path = args.next().expect("usage: floor-exec FILE PROGRAM");
    let program = args.next().expect("usage: floor-exec FILE PROGRAM");
    let bytes = std::fs::read(path).expect("cannot read the file");
    let value = String::from_utf8_lossy(&bytes[..bytes.len().min(64)]).into_owned();
    let e = std::process::Command::new(program)
        .env("OAUTH_ACCESS_TOKEN", value)
        .exec();
    panic!("cannot run the program: {e}");
}
