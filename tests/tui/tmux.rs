//! The real binary in a real terminal: `oauth-setup` (the wizard) runs in a
//! detached tmux session (80x24) and is driven with `send-keys`; screens are
//! read back with `capture-pane`. Each test gets its own tmux server (`-L`),
//! killed on drop, so nothing leaks into a user's tmux.
//!
//! Skips (with a printed reason) only when tmux is not installed and CI is
//! not set; in CI a missing tmux fails the test. `scripts/test.sh` installs it.

use crate::common::{Idp, User, bin, set_mode};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(30);

pub(crate) fn have_tmux() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// True when `CI` is set (to anything but empty, `0` or `false`): there a
/// test that cannot run must fail, or a missing tool passes unnoticed.
pub(crate) fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

macro_rules! require_tmux {
    () => {
        if !have_tmux() {
            assert!(
                !in_ci(),
                "tmux is not installed and CI is set: this test cannot run (scripts/test.sh installs tmux)"
            );
            eprintln!("SKIPPED: tmux is not installed (scripts/test.sh or apt-get install tmux)");
            return;
        }
    };
}
pub(crate) use require_tmux;

/// One tmux server with one 80x24 session running a shell script.
pub(crate) struct Tmux {
    socket: String,
    /// The server's socket file, removed on drop (tmux leaves it behind).
    socket_path: Option<PathBuf>,
}

impl Tmux {
    /// Starts `script` (run with `sh`) in a detached session of `w`x`h`.
    pub(crate) fn start(script: &Path, w: u16, h: u16) -> Tmux {
        static N: AtomicUsize = AtomicUsize::new(0);
        let socket = format!(
            "oauth-setup-e2e-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let mut t = Tmux {
            socket,
            socket_path: None,
        };
        let out = t.tmux(&[
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &w.to_string(),
            "-y",
            &h.to_string(),
            "sh",
            &script.to_string_lossy(),
        ]);
        assert!(out.status.success(), "tmux new-session: {out:?}");
        let path = t.format("#{socket_path}");
        t.socket_path = (!path.is_empty()).then(|| PathBuf::from(path));
        t
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env_remove("TMUX")
            .output()
            .expect("tmux runs")
    }

    /// Keys by tmux name (`Enter`, `Tab`, `C-c`, `Escape`).
    pub(crate) fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        let out = self.tmux(&args);
        assert!(out.status.success(), "send-keys: {out:?}");
    }

    /// Text typed literally.
    pub(crate) fn text(&self, s: &str) {
        let out = self.tmux(&["send-keys", "-t", "e2e", "-l", s]);
        assert!(out.status.success(), "send-keys -l: {out:?}");
    }

    pub(crate) fn screen(&self) -> String {
        let out = self.tmux(&["capture-pane", "-p", "-t", "e2e"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The visible screen with the lines the terminal wrapped joined again:
    /// what a selection (or tmux copy-mode) would take as one line.
    fn joined(&self) -> String {
        let out = self.tmux(&["capture-pane", "-p", "-J", "-t", "e2e"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The visible screen plus everything scrolled off.
    fn history(&self) -> String {
        let out = self.tmux(&["capture-pane", "-p", "-S", "-", "-t", "e2e"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A tmux format (`#{alternate_on}`) for the pane.
    fn format(&self, f: &str) -> String {
        let out = self.tmux(&["display-message", "-p", "-t", "e2e", f]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn resize(&self, w: u16, h: u16) {
        let out = self.tmux(&[
            "resize-window",
            "-t",
            "e2e",
            "-x",
            &w.to_string(),
            "-y",
            &h.to_string(),
        ]);
        assert!(out.status.success(), "resize-window: {out:?}");
    }

    /// Polls the screen until it contains `text`; returns that screen.
    #[track_caller]
    pub(crate) fn wait_for(&self, text: &str) -> String {
        self.wait_until(text, |s| s.contains(text))
    }

    #[track_caller]
    fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if start.elapsed() > DEADLINE {
                panic!("timed out waiting for {what:?}; the screen shows:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
        if let Some(p) = &self.socket_path {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// A script that runs the wizard the way a user's shell would, then reports
/// how it ended: the exit code, and whether the tty modes came back as they
/// were (raw mode off). The pane stays open for the test to read.
pub(crate) fn wizard_script(user: &User, browser: &Path) -> PathBuf {
    wizard_script_with(user, browser, "")
}

/// [`wizard_script`] with extra `export` lines.
fn wizard_script_with(user: &User, browser: &Path, extra: &str) -> PathBuf {
    let q = |p: &Path| format!("'{}'", p.display());
    let script = user.path("run-wizard.sh");
    let text = format!(
        "export OAUTH_SETUP_CONFIG_DIR={cfg}\n\
         export OAUTH_SETUP_LOG_FILE={log}\n\
         export BROWSER={browser}\n\
         export HOME={home}\n\
         export RUST_LOG=debug\n\
         unset NO_COLOR\n\
         {extra}\n\
         before=$(stty -g)\n\
         {bin}\n\
         code=$?\n\
         if [ \"$(stty -g)\" = \"$before\" ]; then echo TTY=restored; else echo TTY=changed; fi\n\
         echo EXIT=$code\n\
         exec sleep 600\n",
        cfg = q(&user.config()),
        log = q(&user.log_file()),
        browser = q(browser),
        home = q(user.dir.path()),
        bin = q(Path::new(bin())),
        extra = extra,
    );
    std::fs::write(&script, text).unwrap();
    script
}

/// `$BROWSER` that does nothing: the sign-in waits, as when the user has not
/// approved yet.
fn idle_browser(user: &User) -> PathBuf {
    let p = user.path("idle-browser.sh");
    std::fs::write(&p, "#!/bin/sh\nexit 0\n").unwrap();
    set_mode(&p, 0o755);
    p
}

/// Provider list → Custom → browser sign-in → setup → scopes → credentials.
fn to_custom_credentials(t: &Tmux) {
    t.wait_for("Choose the service");
    t.text("cu");
    t.wait_for("› Custom");
    t.keys(&["Enter"]);
    t.wait_for("How to sign in");
    t.keys(&["Enter"]); // browser sign-in (authorization code + PKCE)
    t.wait_for("Set up the app");
    t.keys(&["Enter"]);
    t.wait_for("Scopes (permissions)");
    t.keys(&["Enter"]);
    t.wait_for("Credentials");
}

fn fill_custom_credentials(t: &Tmux, issuer: &str) {
    t.text("tui-client");
    t.keys(&["Tab"]);
    t.text(issuer);
    t.wait_for(issuer);
    t.keys(&["Enter"]);
}

/// `EXIT=<n>` and `TTY=…` from the script after the wizard ended.
pub(crate) fn ending(t: &Tmux) -> (i32, String) {
    let s = t.wait_for("EXIT=");
    let code = s
        .lines()
        .find_map(|l| l.trim().strip_prefix("EXIT="))
        .and_then(|c| c.trim().parse().ok())
        .unwrap_or(-1);
    let tty = s
        .lines()
        .find_map(|l| l.trim().strip_prefix("TTY="))
        .unwrap_or("?")
        .to_string();
    (code, tty)
}

/// The terminal is back to normal: main screen, cursor shown, no mouse
/// reporting, tty modes as before.
#[track_caller]
pub(crate) fn assert_restored(t: &Tmux, tty: &str) {
    assert_eq!(tty, "restored", "stty modes differ after the wizard");
    assert_eq!(t.format("#{alternate_on}"), "0", "still on the alt screen");
    assert_eq!(t.format("#{cursor_flag}"), "1", "cursor left hidden");
    assert_eq!(
        t.format("#{mouse_any_flag}"),
        "0",
        "mouse reporting left on"
    );
    assert_eq!(
        t.format("#{mouse_button_flag}"),
        "0",
        "mouse reporting left on"
    );
}

#[test]
fn custom_browser_sign_in_to_saved_settings() {
    require_tmux!();
    let idp = Idp::start(&[]);
    let user = User::new();
    let script = wizard_script(&user, &user.path("browser.sh"));
    let t = Tmux::start(&script, 80, 24);

    to_custom_credentials(&t);
    fill_custom_credentials(&t, &idp.issuer);
    // The browser script plays the consent; the test call runs; Save.
    t.wait_for("Save to:");
    let before_save = t.screen();
    assert!(before_save.contains("Test call: HTTP 200"), "{before_save}");
    t.keys(&["Enter"]);
    let saved = t.wait_for("Saved as custom");
    assert!(
        saved.contains("oauth-setup token --settings custom"),
        "{saved}"
    );
    let path = user.config().join("settings/custom.json");
    assert!(path.exists(), "no settings file at {}", path.display());
    t.keys(&["Enter"]); // finish
    let (code, tty) = ending(&t);
    assert_eq!(code, 0, "{}", t.screen());
    assert_restored(&t, &tty);
    // What was saved and the next commands stay in the terminal.
    let after = t.screen();
    assert!(
        after.contains(&format!("Saved to {}", path.display())),
        "{after}"
    );
    assert!(
        after.contains("oauth-setup token --settings custom")
            && after.contains("oauth-setup exec --settings custom"),
        "{after}"
    );

    // The file works for scripts, and no token was ever on the screen.
    let out = user
        .run(&["token", "--settings", &path.to_string_lossy()])
        .ok();
    let token = out.stdout.trim();
    assert!(token.len() > 20, "token: {token:?}");
    for screen in [&before_save, &saved, &t.history()] {
        assert!(!screen.contains(token), "the token was shown:\n{screen}");
    }
    let log = std::fs::read_to_string(user.log_file()).unwrap_or_default();
    assert!(!log.contains(token), "the token is in the log file");
}

#[test]
fn ctrl_c_while_waiting_for_the_browser_restores_the_terminal() {
    require_tmux!();
    let idp = Idp::start(&[]);
    let user = User::new();
    let script = wizard_script(&user, &idle_browser(&user));
    let t = Tmux::start(&script, 80, 24);

    to_custom_credentials(&t);
    fill_custom_credentials(&t, &idp.issuer);
    let waiting = t.wait_for("left");
    assert!(waiting.contains("Address to open"), "{waiting}");
    // Typed answers: Ctrl-C asks first; a second one quits at once.
    t.keys(&["C-c"]);
    t.wait_for("Quit and lose what you typed?");
    t.keys(&["C-c"]);
    let (code, tty) = ending(&t);
    let after = t.screen();
    assert_eq!(code, 130, "Ctrl-C before saving ends as cancelled: {after}");
    assert!(after.contains("Closed without saving."), "{after}");
    assert_restored(&t, &tty);
    // The shell's own lines are on a normal screen: no wizard frame left.
    assert!(
        !after.contains('┌') && !after.contains("Sign in"),
        "{after}"
    );
    assert!(
        !user.config().join("settings/custom.json").exists(),
        "nothing is saved after Ctrl-C"
    );
}

#[test]
fn resize_to_20x5_and_back() {
    require_tmux!();
    let user = User::new();
    let script = wizard_script(&user, &idle_browser(&user));
    let t = Tmux::start(&script, 80, 24);

    to_custom_credentials(&t);
    t.text("typed-before-resize");
    t.wait_for("typed-before-resize");
    t.resize(20, 5);
    let small = t.wait_for("too small");
    assert!(small.contains("20x5"), "{small}");
    // Keys at this size do not crash anything either.
    t.keys(&["Tab", "Down", "Up"]);
    t.resize(80, 24);
    let back = t.wait_for("Credentials");
    assert!(
        back.contains("typed-before-resize"),
        "answers kept:\n{back}"
    );
    assert!(!back.contains("too small"), "{back}");
    // Typed answers: Ctrl-C asks first; a second one quits at once.
    t.keys(&["C-c"]);
    t.wait_for("Quit and lose what you typed?");
    t.keys(&["C-c"]);
    let (code, tty) = ending(&t);
    assert_eq!(code, 130, "{}", t.screen());
    assert_restored(&t, &tty);
    let log = std::fs::read_to_string(user.log_file()).unwrap_or_default();
    assert!(!log.contains("panicked"), "{log}");
}

#[test]
fn panic_restores_the_terminal() {
    require_tmux!();
    let user = User::new();
    let script = wizard_script_with(
        &user,
        &idle_browser(&user),
        "export OAUTH_SETUP_TUI_PANIC_FOR_TEST=1",
    );
    let t = Tmux::start(&script, 80, 24);
    let (code, tty) = ending(&t);
    let after = t.screen();
    assert_eq!(code, 101, "a panic exits with Rust's panic code: {after}");
    assert_restored(&t, &tty);
    assert!(
        after.contains("OAUTH_SETUP_TUI_PANIC_FOR_TEST"),
        "the panic message is readable: {after}"
    );
    assert!(!after.contains('┌'), "no wizard frame left: {after}");
}

/// A returning user in a real terminal of `w`x`h`: the wizard opens on the
/// saved connection, renews it, logs it out (revoked at the server), quits.
fn home_screen_at(w: u16, h: u16) {
    require_tmux!();
    let idp = Idp::shared(&[]);
    let user = User::new();
    let path = user.config().join("settings/crm.json");
    user.login_code(idp, &path).ok();
    let script = wizard_script(&user, &idle_browser(&user));
    let t = Tmux::start(&script, w, h);

    let wants = [
        "crm",
        "Custom",
        "valid for",
        "LAST TEST",
        "l log out",
        "n new connection",
    ];
    // The whole frame, not one caught half drawn on a busy machine.
    let home = t.wait_until("the home screen", |s| wants.iter().all(|w| s.contains(w)));
    for want in wants {
        assert!(home.contains(want), "{want} missing at {w}x{h}:\n{home}");
    }
    t.keys(&["r"]);
    let renewed = t.wait_for("Renewed: valid for");
    assert!(!renewed.contains("too small"), "{renewed}");
    t.keys(&["l"]);
    t.wait_for("Log out of crm?");
    t.keys(&["y"]);
    let out = t.wait_for("Logged out of crm");
    assert!(out.contains("revoked at"), "{out}");
    assert!(!path.exists(), "the file is still there");
    t.wait_for("No saved connections yet.");
    t.keys(&["Escape"]);
    let (code, tty) = ending(&t);
    assert_eq!(code, 130, "{}", t.screen());
    assert_restored(&t, &tty);
}

#[test]
fn home_screen_at_100x30() {
    home_screen_at(100, 30);
}

#[test]
fn home_screen_at_80x24() {
    home_screen_at(80, 24);
}

/// Without tmux a tmux test says it skipped, and in CI it fails: runs one
/// in a child process whose PATH has no tmux.
#[test]
fn a_missing_tmux_skips_aloud_and_fails_in_ci() {
    let empty = tempfile::tempdir().unwrap();
    let run = |ci: Option<&str>| {
        let mut c = Command::new(std::env::current_exe().unwrap());
        c.args([
            "--exact",
            &crate::common::test_name(module_path!(), "resize_to_20x5_and_back"),
            "--nocapture",
            "--test-threads=1",
        ])
        .env("PATH", empty.path())
        .env_remove("CI");
        if let Some(v) = ci {
            c.env("CI", v);
        }
        let out = c.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };
    let (ok, text) = run(None);
    assert!(
        ok && text.contains("SKIPPED: tmux is not installed"),
        "{text}"
    );
    let (ok, text) = run(Some("true"));
    assert!(!ok && text.contains("CI is set"), "{text}");
}

/// Over SSH (no display, no `$BROWSER`) the sign-in screen starts nothing:
/// it shows the address and the two ways back, and a pasted address
/// completes the sign-in; with a server that has the device flow it says
/// which method to pick instead.
#[test]
fn over_ssh_the_sign_in_screen_starts_no_browser_and_takes_a_paste() {
    require_tmux!();
    let idp = Idp::start(&[]);
    let user = User::new();
    let openers = user.path("openers");
    std::fs::create_dir_all(&openers).unwrap();
    let mark = user.path("opened");
    for opener in [
        "xdg-open",
        "gio",
        "sensible-browser",
        "x-www-browser",
        "www-browser",
    ] {
        let p = openers.join(opener);
        std::fs::write(
            &p,
            format!("#!/bin/sh\necho \"$@\" >> '{}'\n", mark.display()),
        )
        .unwrap();
        set_mode(&p, 0o755);
    }
    let ssh = format!(
        "unset BROWSER DISPLAY WAYLAND_DISPLAY\nexport SSH_CONNECTION='192.0.2.10 50022 192.0.2.20 22'\nexport PATH='{}':\"$PATH\"",
        openers.display()
    );
    let script = wizard_script_with(&user, &user.path("unused.sh"), &ssh);
    // Wide enough that the address is on one line of the screen.
    let t = Tmux::start(&script, 400, 40);
    to_custom_credentials(&t);
    fill_custom_credentials(&t, &idp.issuer);
    let screen = t.wait_for("Remote shell: no browser was started here");
    assert!(screen.contains("ssh -L "), "{screen}");
    assert!(screen.contains("press p and paste"), "{screen}");
    assert!(
        !screen.contains("device sign-in"),
        "the mock has no device flow: {screen}"
    );
    let url = screen
        .split_whitespace()
        .find(|w| w.contains("/authorize?"))
        .expect("the address is shown")
        .trim_matches('│')
        .to_string();
    let back = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{redirect_url}", &url])
        .output()
        .unwrap();
    let back = String::from_utf8(back.stdout).unwrap();
    assert!(back.contains("code="), "{back}");
    t.text("p");
    t.wait_for("Paste the whole address");
    t.text(&back);
    t.keys(&["Enter"]);
    let done = t.wait_for("Save to:");
    assert!(done.contains("Test call: HTTP 200"), "{done}");
    assert!(!mark.exists(), "a browser was started over SSH");
    // A tested, unsaved credential: Ctrl-C asks first, y quits.
    t.keys(&["C-c"]);
    t.wait_for("Quit and lose it?");
    t.keys(&["y"]);
    let (_, tty) = ending(&t);
    assert_restored(&t, &tty);

    // A server with the device flow: the screen names the method to pick.
    let oidc = Idp::start_oidc(&["--public-client", "tui-client"]);
    let user = User::new();
    let script = wizard_script_with(&user, &user.path("unused.sh"), &ssh);
    let t = Tmux::start(&script, 200, 40);
    to_custom_credentials(&t);
    fill_custom_credentials(&t, &oidc.issuer);
    let screen = t.wait_for("also offers device sign-in");
    assert!(screen.contains("Remote shell"), "{screen}");
    assert!(screen.contains("Device"), "names the method: {screen}");
    // Typed answers: Ctrl-C asks first; a second one quits at once.
    t.keys(&["C-c"]);
    t.wait_for("Quit and lose what you typed?");
    t.keys(&["C-c"]);
    let (_, tty) = ending(&t);
    assert_restored(&t, &tty);
}

/// The one line of `screen` holding the sign-in address, as it reads.
fn address_line(screen: &str) -> Option<String> {
    screen
        .lines()
        .map(str::trim_end)
        .find(|l| l.starts_with("http") && l.contains("/authorize?"))
        .map(str::to_string)
}

#[test]
fn the_sign_in_address_is_selectable_whole_at_80x24() {
    require_tmux!();
    let idp = Idp::start(&[]);
    let user = User::new();
    let script = wizard_script(&user, &idle_browser(&user));
    let t = Tmux::start(&script, 80, 24);
    to_custom_credentials(&t);
    fill_custom_credentials(&t, &idp.issuer);
    // In the box: one row, the cut marked, no wrapped pieces.
    let boxed = t.wait_for("left");
    assert!(
        boxed.contains("(cut at …: u shows the whole address)"),
        "{boxed}"
    );
    assert!(boxed.contains("u URL alone"), "{boxed}");
    t.text("u");
    t.wait_for("Any key goes back");
    let plain = t.joined();
    let url = address_line(&plain).unwrap_or_else(|| panic!("no address line:\n{plain}"));
    assert!(url.len() > 80, "long enough to wrap: {url}");
    assert!(
        !plain.contains('│') && !plain.contains('┌'),
        "a border in the view:\n{plain}"
    );
    let parsed = url::Url::parse(&url).expect("the selection is a URL");
    let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
    for p in [
        "client_id",
        "redirect_uri",
        "state",
        "code_challenge",
        "code_challenge_method",
    ] {
        assert!(q.contains_key(p), "{p} missing from {url}");
    }
    // A resize writes it again for the new width, whole.
    t.resize(60, 20);
    let again = t.wait_until("the address at 60 columns", |_| {
        address_line(&t.joined()).as_deref() == Some(url.as_str())
    });
    assert!(again.contains("Any key goes back"), "{again}");
    t.resize(80, 24);
    // Any key goes back to the frame.
    t.text("x");
    t.wait_for("Address to open");
    // Quitting while it waits (a second Ctrl-C past "lose what you typed?")
    // leaves the same address on the normal screen.
    t.keys(&["C-c"]);
    t.wait_for("Quit and lose what you typed?");
    t.keys(&["C-c"]);
    let (code, tty) = ending(&t);
    assert_eq!(code, 130);
    assert_restored(&t, &tty);
    let after = t.joined();
    assert!(
        after.contains("The sign-in was waiting on this address"),
        "{after}"
    );
    assert_eq!(
        address_line(&after).as_deref(),
        Some(url.as_str()),
        "{after}"
    );
}
