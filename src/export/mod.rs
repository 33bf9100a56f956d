//! Handing credentials on: passphrase bundles for another machine, and the
//! connection string a connector reads.

pub mod bundle;
pub mod connection_string;
