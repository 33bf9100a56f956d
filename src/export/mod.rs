//! Handing credentials on: passphrase bundles for another machine, the
//! connection string a connector reads, and the env-file / Kubernetes
//! Secret text a service reads.

pub mod bundle;
pub mod connection_string;
pub mod cs_dialect;
pub mod cs_target;
pub mod schedule;
pub mod service_env;
