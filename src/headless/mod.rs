//! Getting credentials onto a machine without a browser: the paste flow
//! (`auth-url` / `exchange`), QR codes for URLs, and passphrase bundles
//! (`export` / `import`).

pub mod bundle;
pub mod paste;
pub mod pending;
pub mod qr;
