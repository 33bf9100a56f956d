//! Reliability under hostile conditions: kill -9, races between processes,
//! secret leaks, hostile local traffic and hostile input. One test binary.

mod common;

/// kill -9 during renewals and writes; a write that cannot happen.
#[path = "reliability/crash.rs"]
mod crash;

/// Many processes at once; lock holders that die or stay.
#[path = "reliability/race.rs"]
mod race;

/// No secret in any output, log, file or process argument.
#[path = "reliability/leaks.rs"]
mod leaks;

/// The loopback redirect receiver under hostile local traffic.
#[path = "reliability/loopback.rs"]
mod loopback;

/// Another local user against a running browser sign-in.
#[path = "reliability/local_user.rs"]
mod local_user;

/// Only http(s) links go to the desktop's opener.
#[path = "reliability/opener.rs"]
mod opener;

/// Fuzz regressions and whole-file properties of the settings format.
#[path = "reliability/hostile.rs"]
mod hostile;

/// What renewals record; refused grants told apart from lost races.
#[path = "reliability/renewal.rs"]
mod renewal;

/// Many hosts sharing one grant through a real OpenBao.
#[path = "reliability/vault.rs"]
mod vault;

/// Commands on a Vault location, and the host cache.
#[path = "reliability/vault_commands.rs"]
mod vault_commands;

/// OpenBao on raft storage stopped mid-run and restarted: cached tokens
/// served, expired ones refused clearly, nothing lost.
#[path = "reliability/vault_restart.rs"]
mod vault_restart;

/// The Vault store against a proxy, a stand-in Vault, a skewed clock, other
/// namespaces and identities; what the host cache holds.
#[path = "reliability/vault_hostile.rs"]
mod vault_hostile;

/// A settings file in a directory other users share.
#[path = "reliability/shared_dir.rs"]
mod shared_dir;
