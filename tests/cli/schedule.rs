//! `schedule`: the systemd units verify with `systemd-analyze` and their
//! command runs; the crontab line runs; the Kubernetes CronJob parses and
//! mounts the Secret `export --format k8s-secret` writes.

use crate::common::bao::{Bao, ROOT};
use crate::common::*;
use oauth_setup::settings::{Replace, Store};
use std::path::Path;

/// The value of `Key=` in a unit file.
fn unit_value<'a>(unit: &'a str, key: &str) -> &'a str {
    unit.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key}= in {unit}"))
}

#[test]
fn systemd_units_verify_run_and_are_removed() {
    // Refresh tokens said to live 9 days: a renewal every 3 days by default.
    let idp = Idp::start(&["--refresh-expires-in", "777600"]);
    let user = User::new();
    user.login_code(&idp, "crm").ok();
    let xdg = user.path("xdg");
    let env = [("XDG_CONFIG_HOME", xdg.to_str().unwrap())];
    let out = user
        .run_env(
            &["schedule", "--with", "systemd", "--settings", "crm"],
            &env,
        )
        .ok();
    let dir = xdg.join("systemd/user");
    let service = dir.join("oauth-setup-renew-crm.service");
    let timer = dir.join("oauth-setup-renew-crm.timer");
    assert!(
        out.stdout.contains("oauth-setup-renew-crm.timer"),
        "{out:#?}"
    );
    assert!(out.stderr.contains("about every 3d"), "{}", out.stderr);

    let analyze = Path::new("/usr/bin/systemd-analyze");
    assert!(
        analyze.exists(),
        "systemd-analyze is needed to check the units (apt-get install systemd)"
    );
    let verify = std::process::Command::new(analyze)
        .arg("verify")
        .arg(&service)
        .arg(&timer)
        .output()
        .unwrap();
    assert!(
        verify.status.success() && verify.stderr.is_empty(),
        "systemd-analyze verify: {}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let timer_text = std::fs::read_to_string(&timer).unwrap();
    assert_eq!(unit_value(&timer_text, "Persistent"), "true");
    assert_eq!(unit_value(&timer_text, "OnCalendar"), "daily");
    assert!(
        unit_value(&timer_text, "RandomizedDelaySec")
            .parse::<u32>()
            .unwrap()
            > 0
    );

    // The command runs as written (no %/$ in these paths: systemd's quoting
    // is then sh's).
    let service_text = std::fs::read_to_string(&service).unwrap();
    let exec = unit_value(&service_text, "ExecStart");
    assert!(
        exec.contains("\"renew\" \"--settings\"") && exec.ends_with("\"--if-older-than\" \"71h\""),
        "{exec}"
    );
    let ran = std::process::Command::new("sh")
        .arg("-c")
        .arg(exec)
        .env("HOME", user.path(""))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&ran.stdout);
    assert!(ran.status.success(), "{ran:?}");
    assert!(
        stdout.starts_with("crm: skipped: renewed just now (--if-older-than "),
        "{stdout}"
    );

    let removed = user
        .run_env(
            &[
                "schedule",
                "--with",
                "systemd",
                "--settings",
                "crm",
                "--remove",
            ],
            &env,
        )
        .ok();
    assert!(!service.exists() && !timer.exists(), "{removed:#?}");
}

#[test]
fn a_crontab_line_that_runs() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    user.login_code(idp, "crm").ok();
    let line = user
        .run(&["schedule", "--with", "cron", "--every", "12h"])
        .ok()
        .stdout;
    let fields: Vec<&str> = line.trim().splitn(6, ' ').collect();
    assert_eq!(fields.len(), 6, "{line}");
    assert_eq!(&fields[1..5], ["*", "*", "*", "*"], "hourly: {line}");
    assert!(fields[0].parse::<u32>().unwrap() < 60);
    assert!(
        fields[5].contains(" renew --all --if-older-than 11h"),
        "{line}"
    );
    let ran = std::process::Command::new("sh")
        .arg("-c")
        .arg(fields[5].replace(">/dev/null 2>&1", ""))
        .output()
        .unwrap();
    assert!(ran.status.success(), "{ran:?}");
    assert!(
        String::from_utf8_lossy(&ran.stdout).contains("crm: skipped: renewed just now"),
        "{ran:?}"
    );
}

#[test]
fn a_kubernetes_cronjob_for_a_vault_location_mounts_the_exported_secret() {
    let idp = Idp::shared(&[]);
    let bao = Bao::start();
    let user = User::new();
    user.login_code(idp, "laptop").ok();
    let doc = settings_of(
        &user,
        &oauth_setup::paths::settings_file(&user.config(), "laptop"),
    );
    let location = "vault://secret/oauth/crm";
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(bao.store(location, ROOT).save(&doc, Replace::Readable))
        .unwrap();
    std::fs::write(user.path(".vault-token"), ROOT).unwrap();
    let env = [("VAULT_ADDR", bao.addr.as_str())];
    let secret = user
        .run_env(
            &["export", "--settings", location, "--format", "k8s-secret"],
            &env,
        )
        .ok()
        .stdout;
    let cron = user
        .run_env(
            &["schedule", "--with", "kubernetes", "--settings", location],
            &env,
        )
        .ok()
        .stdout;
    let secret = &crate::hostile_data::yaml_docs(&secret)[0];
    let job = &crate::hostile_data::yaml_docs(&cron)[0];
    assert_eq!(job["kind"], "CronJob", "{job}");
    assert_eq!(job["apiVersion"], "batch/v1");
    let pod = &job["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let c = &pod["containers"][0];
    assert_eq!(c["args"][0], "renew", "{job}");
    assert_eq!(
        c["envFrom"][0]["secretRef"]["name"], secret["metadata"]["name"],
        "the CronJob mounts the exported Secret: {job}"
    );
    assert_eq!(job["spec"]["concurrencyPolicy"], "Forbid");
    let fields = job["spec"]["schedule"].as_str().unwrap().split(' ').count();
    assert_eq!(fields, 5, "{job}");

    // A file cannot be renewed from a pod: said, nothing printed.
    let refused = user.run(&["schedule", "--with", "kubernetes", "--settings", "laptop"]);
    assert_eq!(refused.code, 2, "{refused:#?}");
    assert!(refused.stdout.is_empty());
    assert!(refused.stderr.contains("vault://"), "{}", refused.stderr);
}
