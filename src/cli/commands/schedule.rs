//! `oauth-setup schedule --with systemd|cron|kubernetes [--settings L]
//! [--every D] [--remove]`: what runs `renew` on a schedule, in the user's
//! own tooling. No wrapper lock is needed: `renew` takes the connection's.

use crate::cli::args::{ScheduleArgs, Scheduler};
use crate::cli::ctx::Ctx;
use crate::cli::failure::{Failure, exit};
use crate::cli::output::{absolute, shown};
use crate::cli::store::{self, Location};
use oauth_setup::connections::{self, deadline};
use oauth_setup::export::{schedule, service_env};
use oauth_setup::settings::{KeySource, Settings, Store};
use oauth_setup::{duration, paths};
use std::path::{Path, PathBuf};

/// The renewal interval when no idle limit is known for any connection.
const FALLBACK_EVERY: i64 = 86_400;

#[inline(never)]
pub fn run(ctx: &Ctx, args: &ScheduleArgs) -> Result<(), Failure> {
    let target = args
        .settings
        .as_ref()
        .map(|s| store::file_of(&ctx.config_dir, s));
    let unit = unit_name(ctx, target.as_deref());
    if args.remove {
        return remove(args.with, &unit);
    }
    let docs = documents(ctx, target.as_deref())?;
    let every = match args.every {
        Some(e) => e,
        None => default_every(&docs),
    };
    match args.with {
        Scheduler::Systemd => systemd(ctx, target.as_deref(), &unit, every),
        Scheduler::Cron => {
            let cmd = command(ctx, target.as_deref(), every)?;
            println!("{}", schedule::cron_line(&cmd, every, &unit));
            eprintln!(
                "Add this line with `crontab -e` (renewal about every {}; `renew` takes the connection's own lock, so no wrapper lock is needed).",
                duration::format(every)
            );
            Ok(())
        }
        Scheduler::Kubernetes => kubernetes(target.as_deref(), &docs, args, &unit, every),
    }
}

/// The settings the schedule renews: the one given, or every readable one.
fn documents(ctx: &Ctx, target: Option<&Path>) -> Result<Vec<Settings>, Failure> {
    let rt = ctx.runtime()?;
    if let Some(t) = target {
        return Ok(vec![rt.block_on(Location::open(ctx, t)?.load())?]);
    }
    let key = ctx.key().ok();
    let loaded = connections::load(&ctx.config_dir, key.as_ref())
        .map_err(|e| Failure::new(exit::SETTINGS, e))?;
    Ok(loaded.into_iter().filter_map(|l| l.settings).collect())
}

/// A third of the shortest idle limit known for these connections (the
/// one their token endpoint stated, else the profile's), else a day.
fn default_every(docs: &[Settings]) -> i64 {
    docs.iter()
        .filter(|s| s.secrets.refresh_token.is_some())
        .filter_map(|s| {
            let stated = s
                .meta
                .refresh_expires_at
                .zip(s.meta.token_timestamp_ms)
                .map(|(by, ms)| by - ms.div_euclid(1000));
            stated.or_else(|| {
                deadline::limits_of(&s.meta)
                    .and_then(|l| l.idle_days)
                    .map(|d| d * 86_400)
            })
        })
        .filter(|limit| *limit > 0)
        .min()
        .map_or(FALLBACK_EVERY, |limit| (limit / 3).max(60))
}

/// `oauth-setup-renew` for every connection, `oauth-setup-renew-NAME` for one.
fn unit_name(ctx: &Ctx, target: Option<&Path>) -> String {
    let Some(t) = target else {
        return "oauth-setup-renew".into();
    };
    let raw = paths::connection_name(&ctx.config_dir, t)
        .unwrap_or_else(|| t.to_string_lossy().into_owned());
    let safe: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("oauth-setup-renew-{}", safe.trim_matches('-'))
}

/// The command the schedule runs: this binary, this config dir and key,
/// `renew` with `--if-older-than` a little under the interval.
fn command(ctx: &Ctx, target: Option<&Path>, every: i64) -> Result<Vec<String>, Failure> {
    let exe = std::env::current_exe()
        .map_err(|e| Failure::new(exit::ERROR, format!("cannot find this program's path: {e}")))?;
    let mut cmd = vec![
        exe.display().to_string(),
        "--config-dir".into(),
        absolute(&ctx.config_dir).display().to_string(),
    ];
    match &ctx.key_source {
        KeySource::File(p) => {
            cmd.push("--key-file".into());
            cmd.push(absolute(p).display().to_string());
        }
        KeySource::Env(_) => eprintln!(
            "warning: the key comes from OAUTH_SETUP_KEY, which the schedule does not carry (it would put the key in a unit file): give the scheduled command OAUTH_SETUP_KEY_FILE yourself"
        ),
        KeySource::Default(_) | KeySource::Keyring(_) => {}
    }
    cmd.push("renew".into());
    match target {
        Some(t) => {
            cmd.push("--settings".into());
            cmd.push(absolute(t).display().to_string());
        }
        None => cmd.push("--all".into()),
    }
    // The timer fires on a coarser clock; a little slack keeps a renewal
    // from slipping a whole period.
    cmd.push("--if-older-than".into());
    cmd.push(duration::format((every - (every / 10).min(3600)).max(60)));
    Ok(cmd)
}

/// `~/.config/systemd/user` (or under `XDG_CONFIG_HOME`).
fn systemd_dir() -> Result<PathBuf, Failure> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .ok_or_else(|| Failure::new(exit::USAGE, "neither XDG_CONFIG_HOME nor HOME is set"))?;
    Ok(base.join("systemd").join("user"))
}

fn systemd(ctx: &Ctx, target: Option<&Path>, unit: &str, every: i64) -> Result<(), Failure> {
    let what = target.map_or_else(
        || "every saved connection".to_string(),
        |t| absolute(t).display().to_string(),
    );
    let (service, timer) = schedule::systemd_units(&what, &command(ctx, target, every)?, every);
    let dir = systemd_dir()?;
    let write = |name: String, text: &str| -> Result<PathBuf, Failure> {
        let p = dir.join(name);
        std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(&p, text))
            .map_err(|e| Failure::new(exit::ERROR, format!("cannot write {}: {e}", p.display())))?;
        Ok(p)
    };
    let s = write(format!("{unit}.service"), &service)?;
    let t = write(format!("{unit}.timer"), &timer)?;
    println!("{}\n{}", s.display(), t.display());
    eprintln!(
        "Wrote a timer renewing {} about every {}. Start it with:\n  systemctl --user daemon-reload && systemctl --user enable --now {unit}.timer\nTo keep it running while you are logged out: loginctl enable-linger $USER",
        shown(&what),
        duration::format(every)
    );
    Ok(())
}

fn remove(with: Scheduler, unit: &str) -> Result<(), Failure> {
    match with {
        Scheduler::Systemd => {
            let dir = systemd_dir()?;
            let mut removed = 0;
            for ext in ["timer", "service"] {
                let p = dir.join(format!("{unit}.{ext}"));
                match std::fs::remove_file(&p) {
                    Ok(()) => {
                        removed += 1;
                        println!("removed {}", p.display());
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(Failure::new(
                            exit::ERROR,
                            format!("cannot remove {}: {e}", p.display()),
                        ));
                    }
                }
            }
            if removed == 0 {
                eprintln!(
                    "No {unit} timer was written in {}: nothing to remove.",
                    dir.display()
                );
            } else {
                eprintln!(
                    "Stop the running timer too: systemctl --user disable --now {unit}.timer; systemctl --user daemon-reload"
                );
            }
            Ok(())
        }
        Scheduler::Cron => {
            eprintln!(
                "`schedule --with cron` only printed a line: remove it with `crontab -e` (the line running `renew`)."
            );
            Ok(())
        }
        Scheduler::Kubernetes => {
            println!("kubectl delete cronjob {unit}");
            eprintln!(
                "`schedule --with kubernetes` only printed a manifest: delete the CronJob with the command above."
            );
            Ok(())
        }
    }
}

/// The CronJob, for a Vault location: a renewal in a pod must be written
/// where the fleet reads it.
fn kubernetes(
    target: Option<&Path>,
    docs: &[Settings],
    args: &ScheduleArgs,
    unit: &str,
    every: i64,
) -> Result<(), Failure> {
    let vault = target.and_then(store::vault_location).ok_or_else(|| {
        Failure::new(
            exit::USAGE,
            "a Kubernetes CronJob renews a connection kept in Vault: give --settings vault://MOUNT/PATH. A pod cannot write a renewed settings file back into a Secret (and with rotating refresh tokens the next run would present a used one); for a file, schedule on its host with --with systemd or --with cron",
        )
    })?;
    let secret = match &args.secret {
        Some(s) => s.clone(),
        None => service_env::k8s_name(
            docs.first()
                .map_or("settings", |s| s.meta.provider.as_str()),
        ),
    };
    let name = if unit.len() > 52 { &unit[..52] } else { unit };
    let name = name.to_ascii_lowercase().replace('_', "-");
    print!(
        "{}",
        schedule::k8s_cronjob(name.trim_end_matches('-'), &secret, &args.image, every)
    );
    eprintln!(
        "A CronJob renewing {} about every {} with the Secret {secret} (from `oauth-setup export --settings {} --format k8s-secret`).",
        shown(vault),
        duration::format(every),
        shown(vault)
    );
    Ok(())
}
