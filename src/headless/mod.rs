//! QR codes for URLs shown on a terminal.

pub mod qr;
