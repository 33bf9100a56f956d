//! Provider profiles: loading, template resolution and discovery.

pub mod cdata;
pub mod discovery;
pub mod endpoints;
pub mod error;
pub mod load;
pub mod template;
pub mod types;
pub mod validate;

pub use endpoints::{Endpoint, EndpointError, Endpoints, check_url, env_vars, is_loopback};
pub use error::ProviderError;
pub use load::{builtin, builtin_api_base, find, load_all, load_all_lenient, load_file, load_one};
pub use template::{placeholders, render};
pub use types::*;
pub use validate::{is_runtime_var, validate};
