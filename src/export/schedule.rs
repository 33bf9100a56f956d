//! What runs `renew` on a schedule, in the user's own tooling: a systemd
//! user service and timer, a crontab line, or a Kubernetes CronJob. Text
//! only; the command writes or prints it.

use crate::duration;
use std::fmt::Write as _;

/// How often the timer or cron fires, for a renewal wanted every `every`
/// seconds: `renew --if-older-than` does the rest, so a run that finds a
/// recent renewal costs no token request, and a machine that was off
/// catches up at the next run.
fn cadence(every: i64) -> Cadence {
    match every {
        86_400.. => Cadence::Daily,
        3600.. => Cadence::Hourly,
        _ => Cadence::Minutes(5),
    }
}

enum Cadence {
    Daily,
    Hourly,
    Minutes(u32),
}

/// One argument as systemd's `ExecStart=` reads it: double-quoted, with `\`,
/// `"` escaped and `%`, `$` doubled (specifiers and variables).
pub fn systemd_quote(arg: &str) -> String {
    let mut out = String::from("\"");
    for c in arg.chars() {
        match c {
            '\\' | '"' => {
                out.push('\\');
                out.push(c);
            }
            '%' => out.push_str("%%"),
            '$' => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The `.service` and `.timer` of a systemd user unit running `command`
/// (program and arguments) about every `every` seconds.
pub fn systemd_units(what: &str, command: &[String], every: i64) -> (String, String) {
    let exec: Vec<String> = command.iter().map(|a| systemd_quote(a)).collect();
    let what = crate::text::sanitize(what, 200);
    let service = format!(
        "# Written by `oauth-setup schedule --with systemd`; `schedule --with systemd --remove` removes it.\n\
         [Unit]\n\
         Description=Renew the OAuth grant of {what} (oauth-setup)\n\
         \n\
         [Service]\n\
         Type=oneshot\n\
         ExecStart={}\n",
        exec.join(" ")
    );
    let calendar = match cadence(every) {
        Cadence::Daily => "daily".to_string(),
        Cadence::Hourly => "hourly".to_string(),
        Cadence::Minutes(m) => format!("*:0/{m}"),
    };
    // Spread a fleet's runs (and a laptop's wake-up burst) over a while.
    let delay = (every / 10).clamp(60, 3600);
    let timer = format!(
        "# Written by `oauth-setup schedule --with systemd`.\n\
         [Unit]\n\
         Description=Renew the OAuth grant of {what} every {} (oauth-setup)\n\
         \n\
         [Timer]\n\
         OnCalendar={calendar}\n\
         Persistent=true\n\
         RandomizedDelaySec={delay}\n\
         \n\
         [Install]\n\
         WantedBy=timers.target\n",
        duration::format(every)
    );
    (service, timer)
}

/// One argument for a crontab line (run by `/bin/sh`): single-quoted, and
/// `%` escaped (cron turns a bare one into a newline).
fn cron_quote(arg: &str) -> String {
    crate::text::shell_quote(arg).replace('%', "\\%")
}

/// The crontab line running `command` about every `every` seconds, at a
/// minute picked from `seed` so that many machines do not all call at once.
pub fn cron_line(command: &[String], every: i64, seed: &str) -> String {
    let spread: u32 = seed
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let minute = spread % 60;
    let hour = (spread / 60) % 24;
    let when = match cadence(every) {
        Cadence::Daily => format!("{minute} {hour} * * *"),
        Cadence::Hourly => format!("{minute} * * * *"),
        Cadence::Minutes(m) => format!("*/{m} * * * *"),
    };
    let cmd: Vec<String> = command.iter().map(|a| cron_quote(a)).collect();
    format!("{when} {} >/dev/null 2>&1", cmd.join(" "))
}

/// A Kubernetes CronJob that renews the Vault location the Secret
/// `secret` (from `export --format k8s-secret`) names, in `image`.
pub fn k8s_cronjob(name: &str, secret: &str, image: &str, every: i64) -> String {
    let q = |v: &str| serde_json::to_string(v).expect("strings serialize");
    let schedule = match cadence(every) {
        Cadence::Daily => "17 3 * * *".to_string(),
        Cadence::Hourly => "17 * * * *".to_string(),
        Cadence::Minutes(m) => format!("*/{m} * * * *"),
    };
    let mut out = String::new();
    let _ = write!(
        out,
        "# Written by `oauth-setup schedule --with kubernetes`: renews the grant in Vault that the Secret\n\
         # {secret} names (OAUTH_SETUP_SETTINGS, VAULT_ADDR). The pod signs in to Vault itself: add VAULT_TOKEN, or\n\
         # OAUTH_SETUP_VAULT_ROLE_ID and OAUTH_SETUP_VAULT_SECRET_ID_FILE, to that Secret. One schedule serves the fleet.\n\
         apiVersion: batch/v1\n\
         kind: CronJob\n\
         metadata:\n  name: {}\n\
         spec:\n  schedule: {}\n  concurrencyPolicy: Forbid\n  successfulJobsHistoryLimit: 1\n  failedJobsHistoryLimit: 3\n\
         \x20 jobTemplate:\n    spec:\n      backoffLimit: 0\n      template:\n        spec:\n          restartPolicy: Never\n\
         \x20         containers:\n            - name: renew\n              image: {}\n\
         \x20             args: [\"renew\", \"--if-older-than\", {}]\n\
         \x20             envFrom:\n                - secretRef:\n                    name: {}\n\
         \x20             env:\n                - name: OAUTH_SETUP_CONFIG_DIR\n                  value: \"/var/lib/oauth-setup\"\n\
         \x20             volumeMounts:\n                - name: state\n                  mountPath: \"/var/lib/oauth-setup\"\n\
         \x20         volumes:\n            - name: state\n              emptyDir: {{}}\n",
        q(name),
        q(&schedule),
        q(image),
        q(&duration::format(every)),
        q(secret),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_keeps_arguments_whole() {
        assert_eq!(systemd_quote(r#"a "b" 50%$x"#), r#""a \"b\" 50%%$$x""#);
        assert_eq!(cron_quote("it's 5%"), r#"'it'\''s 5\%'"#);
        let line = cron_line(
            &["/usr/bin/oauth-setup".into(), "renew".into()],
            30 * 86_400,
            "crm",
        );
        assert!(
            line.ends_with(" /usr/bin/oauth-setup renew >/dev/null 2>&1"),
            "{line}"
        );
        assert_eq!(
            line.split(' ').take(5).filter(|f| *f == "*").count(),
            3,
            "{line}"
        );
    }
}
