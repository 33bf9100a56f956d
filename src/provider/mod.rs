//! Provider profiles: loading, template resolution and discovery.

pub mod discovery;
pub mod endpoints;
pub mod types;

pub use endpoints::{EndpointError, Endpoints, check_url, is_loopback};
pub use types::*;
