//! The bench's floor: the least a Rust program that prints a settings file
//! can cost (read it, write it to stdout). `rustc -O`, like the release build.
use std::io::Write;

fn main() {
    let path = std::env::args_os().nth(1).expect("usage: floor FILE");
    let bytes = std::fs::read(path).expect("cannot read the file");
    std::io::stdout().write_all(&bytes).expect("cannot write stdout");
}
