//! Getting credentials onto a machine without a browser: the paste flow
//! (`auth-url` / `exchange`) and passphrase bundles (`export` / `import`).

pub mod bundle;
pub mod paste;
pub mod pending;
