//! The arguments of the commands that keep grants alive and say how they
//! are: `renew` and `schedule`.

use clap::Args;
use std::path::PathBuf;

/// A `DURATION` argument (`90d`, `12h`, `30m`), in seconds.
pub fn duration(raw: &str) -> Result<i64, String> {
    oauth_setup::duration::parse(raw)
}

#[derive(Debug, Args)]
pub struct RenewArgs {
    /// Settings file, the name of a saved connection (see `list`), or a
    /// Vault location (vault://MOUNT/PATH).
    #[arg(
        long,
        env = "OAUTH_SETUP_SETTINGS",
        value_name = "PATH|NAME",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub settings: Option<PathBuf>,
    /// Every saved connection (`list`'s, Vault locations included).
    #[arg(long)]
    pub all: bool,
    /// Only when the last renewal (or sign-in) is older than this (`7d`,
    /// `12h`): a frequent schedule then costs no token request.
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub if_older_than: Option<i64>,
}
