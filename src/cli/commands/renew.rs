//! `oauth-setup renew --settings F|NAME|vault://… [--all] [--if-older-than D]`:
//! a renewal now, under the same lock as `token`, whether or not the access
//! token is still valid. What keeps an idle refresh token alive (and proves
//! the grant works) when nothing asks for a token for weeks.

use crate::cli::args::RenewArgs;
use crate::cli::ctx::Ctx;
use crate::cli::failure::{Failure, exit};
use crate::cli::output::shown;
use crate::cli::store::{self, Location};
use oauth_setup::settings::{Settings, Store, now_unix, renewal};
use oauth_setup::{connections, duration, paths, token};
use std::path::{Path, PathBuf};

#[inline(never)]
pub fn run(ctx: &Ctx, args: &RenewArgs) -> Result<(), Failure> {
    let rt = ctx.runtime()?;
    let Some(given) = &args.settings else {
        return all(ctx, &rt, args);
    };
    let target = store::file_of(&ctx.config_dir, given);
    let store = Location::open(ctx, &target)?;
    let line = rt.block_on(renew_one(&store, args.if_older_than))?;
    println!("{}: {line}", name_of(ctx, &target));
    Ok(())
}

/// Every saved connection, one line each; the exit code is the first
/// failure's (4 when a sign-in is needed), 0 when none failed.
fn all(ctx: &Ctx, rt: &tokio::runtime::Runtime, args: &RenewArgs) -> Result<(), Failure> {
    let mut targets: Vec<PathBuf> =
        connections::locations(&ctx.config_dir).map_err(|e| Failure::new(exit::SETTINGS, e))?;
    targets.extend(
        connections::vault_locations(&ctx.config_dir)
            .into_iter()
            .map(PathBuf::from),
    );
    if targets.is_empty() {
        println!("No connections to renew.");
        return Ok(());
    }
    let mut failed = None;
    for target in &targets {
        let name = name_of(ctx, target);
        let outcome = Location::open(ctx, target)
            .and_then(|store| rt.block_on(renew_one(&store, args.if_older_than)));
        match outcome {
            Ok(line) => println!("{name}: {line}"),
            Err(f) => {
                eprintln!("{name}: {}", f.message);
                failed.get_or_insert(f.code);
            }
        }
    }
    match failed {
        Some(code) => Err(Failure::said(code)),
        None => Ok(()),
    }
}

/// Renews one connection, or says why it was left alone.
async fn renew_one<S: Store>(store: &S, if_older_than: Option<i64>) -> Result<String, Failure> {
    let s = store.load().await?;
    if let Some(why) = token::not_renewable(&s) {
        return Ok(format!("skipped: {}", shown(&why)));
    }
    if let Some(limit) = if_older_than {
        let age = now_unix() - last_renewed(&s);
        if age < limit {
            return Ok(format!(
                "skipped: renewed {} (--if-older-than {})",
                connections::ago(age),
                duration::format(limit)
            ));
        }
    }
    let fresh = token::renew_now(store).await?;
    Ok(match fresh.settings.meta.expires_at {
        Some(at) => format!(
            "renewed; the access token is valid until {}",
            renewal::date(at)
        ),
        None => "renewed".into(),
    })
}

/// When the tokens were last obtained (a renewal or the sign-in).
fn last_renewed(s: &Settings) -> i64 {
    let m = &s.meta;
    m.renewal
        .as_ref()
        .and_then(|r| r.last_success.as_ref())
        .map(|r| r.at)
        .into_iter()
        .chain(m.token_timestamp_ms.map(|ms| ms.div_euclid(1000)))
        .max()
        .unwrap_or(0)
}

/// What to call a connection in a report line: its name, or its location.
fn name_of(ctx: &Ctx, target: &Path) -> String {
    paths::connection_name(&ctx.config_dir, target)
        .unwrap_or_else(|| shown(&target.display().to_string()))
}
