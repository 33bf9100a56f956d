//! Provider profiles: loading, template resolution and discovery.

pub mod discovery;
pub mod endpoints;
pub mod error;
pub mod load;
pub mod template;
pub mod types;

pub use endpoints::{Endpoint, EndpointError, Endpoints, check_url, env_vars, is_loopback};
pub use error::ProviderError;
pub use load::{builtin, find, is_runtime_var, load_all, load_all_lenient, load_file, validate};
pub use template::{placeholders, render};
pub use types::*;
