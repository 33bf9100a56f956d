//! The arguments of the commands that keep grants alive and say how they
//! are: `renew` and `schedule`.

use clap::{Args, ValueEnum};
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

#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// What runs `renew`: a systemd user timer, a crontab line, or a
    /// Kubernetes CronJob (for a Vault location).
    #[arg(long = "with", value_enum, value_name = "SCHEDULER")]
    pub with: Scheduler,
    /// The connection to renew (a file, a name, or vault://MOUNT/PATH);
    /// without it, every saved connection (`renew --all`).
    #[arg(long, env = "OAUTH_SETUP_SETTINGS", value_name = "PATH|NAME")]
    pub settings: Option<PathBuf>,
    /// How often to renew (default: a third of the shortest idle limit
    /// known for the connections, else 1d).
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub every: Option<i64>,
    /// Undo what `schedule` wrote.
    #[arg(long)]
    pub remove: bool,
    /// Kubernetes: the container image with the oauth-setup binary.
    #[arg(long, value_name = "IMAGE", default_value = "oauth-setup:latest")]
    pub image: String,
    /// Kubernetes: the Secret `export --format k8s-secret` wrote (default:
    /// the name it gives, oauth-setup-PROVIDER).
    #[arg(long, value_name = "NAME")]
    pub secret: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scheduler {
    /// A systemd user service and timer in ~/.config/systemd/user/.
    Systemd,
    /// A crontab line (printed; add it with `crontab -e`).
    Cron,
    /// A Kubernetes CronJob that mounts the Secret `export --format k8s-secret` writes.
    Kubernetes,
}
