//! The CLI end to end: the built binary (`CARGO_BIN_EXE_oauth-setup`) against
//! real servers, one test binary for the whole area.

mod common;

/// Builtin provider profiles and the user's providers directory: the catalogue
/// `login <provider>` and `providers` work from.
#[path = "cli/profiles.rs"]
mod profiles;

/// Provider-specific request shapes against provider-shaped servers.
#[path = "cli/providers.rs"]
mod providers;

/// The browser code flow, client credentials and refresh against an OpenID
/// provider (oauth2-mock-server).
#[path = "cli/oidc.rs"]
mod oidc;

/// Machines without a browser: paste flow and device flow.
#[path = "cli/headless.rs"]
mod headless;

/// `export` / `import` between machines and the service exports.
#[path = "cli/export.rs"]
mod export;

/// Hostile bundles and old files: validation, service exports that keep
/// their shape, a terminal kept clean.
#[path = "cli/hostile_data.rs"]
mod hostile_data;

/// Hostile token endpoints and discovery documents; the https rule on every
/// request; absolute printed paths.
#[path = "cli/hostile_servers.rs"]
mod hostile_servers;
