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

/// Certificate client credentials (private_key_jwt) against oidc-provider.
#[path = "cli/private_key_jwt.rs"]
mod private_key_jwt;

/// Key paths are chosen on this machine: never by a bundle; never a FIFO.
#[path = "cli/key_paths.rs"]
mod key_paths;

/// Machines without a browser: paste flow and device flow.
#[path = "cli/headless.rs"]
mod headless;

/// `export` / `import` between machines and the service exports.
#[path = "cli/export.rs"]
mod export;

/// `exec`: a program run with the token.
#[path = "cli/exec.rs"]
mod exec;

/// `renew`, deadlines, `list --check`, schedules: grants kept alive.
#[path = "cli/health.rs"]
mod health;

/// `schedule`: systemd units, crontab lines, Kubernetes CronJobs.
#[path = "cli/schedule.rs"]
mod schedule;

/// `api`: the provider's API with the token.
#[path = "cli/api.rs"]
mod api;

/// What the settings store leaves on disk: keys, backups, removed secrets;
/// short-lived tokens.
#[path = "cli/store.rs"]
mod store;

/// "No network" is exit 6 for every provider and command.
#[path = "cli/unreachable.rs"]
mod unreachable;

/// What a person types and reads: help text, spellings, `status`,
/// `providers`, typos refused.
#[path = "cli/surface.rs"]
mod surface;

/// Scopes a server's metadata does not list.
#[path = "cli/scopes.rs"]
mod scopes;

/// `list` and `logout`: connections you come back to.
#[path = "cli/connections.rs"]
mod connections;

/// Named connections: never replaced without --force; locations outside
/// the config dir remembered for `list`.
#[path = "cli/names.rs"]
mod names;

/// Who signed in (ID token or userinfo) and the last test.
#[path = "cli/account.rs"]
mod account;

/// Hostile bundles and old files: validation, service exports that keep
/// their shape, a terminal kept clean.
#[path = "cli/hostile_data.rs"]
mod hostile_data;

/// Hostile token endpoints and discovery documents; the https rule on every
/// request; absolute printed paths.
#[path = "cli/hostile_servers.rs"]
mod hostile_servers;

/// `connection-string --mode token|handoff|app`: CData strings.
#[path = "cli/cdata.rs"]
mod cdata;

/// The CData contract, table-driven: every provider, method, connector,
/// build, mode and dialect, checked against assets/cdata.
#[path = "cli/cdata_contract.rs"]
mod cdata_contract;

/// `login --refresh-token-*`: starting from a refresh token.
#[path = "cli/from_refresh.rs"]
mod from_refresh;

/// Corporate networks: a TLS-inspecting proxy's CA.
#[path = "cli/tls.rs"]
mod tls;

/// Remote shells: no browser started, a pasted address or a forwarded port.
#[path = "cli/remote.rs"]
mod remote;

/// The key in the OS keyring: a real Secret Service (gnome-keyring on a
/// D-Bus session bus), `key move`, no silent fallback to a key file.
#[path = "cli/keyring.rs"]
mod keyring;
/// `export --format env|k8s-secret`: the CData string they carry, in the
/// modes of `connection-string`.
#[path = "cli/service_export.rs"]
mod service_export;

/// The commands printed when a grant dies, each run as printed.
#[path = "cli/recovery.rs"]
mod recovery;

/// The README's examples, top to bottom in one config dir.
#[path = "cli/readme.rs"]
mod readme;

/// `providers ID`: set-up steps, redirect URI and docs per method.
#[path = "cli/setup_steps.rs"]
mod setup_steps;

/// The paste path after success: no false failure, no panic.
#[path = "cli/paste_end.rs"]
mod paste_end;

/// Event Temple without an org: signs in, no header, the organizations listed.
#[path = "cli/event_temple_org.rs"]
mod event_temple_org;
