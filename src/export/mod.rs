//! Getting a settings file to where it is used.

pub mod service_env;
