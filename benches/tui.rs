//! Per-key redraw cost of the wizard (issue 4 goal: ≤ 5 ms), as a plain
//! program (`harness = false`): `cargo bench --bench tui`.
//!
//! Two measures per screen at 80x24:
//! - `render`: one frame of `tui::render` on ratatui's TestBackend;
//! - `key+draw`: what a key press costs in the app loop — `update` with the
//!   key, then `Terminal::draw` on a crossterm backend writing its escape
//!   sequences into memory (diffing and encoding included, no tty).
//!
//! Time to first frame after exec is measured on the real binary by
//! `scripts/tui-first-frame.sh`.

#[path = "../tests/tui/fixtures.rs"]
mod fixtures;

use crossterm::event::KeyCode;
use fixtures::*;
use oauth_setup::oauth::LoginEvent;
use oauth_setup::tui::{Action, Effect, Screen, State, render, update};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::hint::black_box;
use std::time::{Duration, Instant};

const WARMUP: usize = 200;
const SAMPLES: usize = 3000;

struct Stats {
    median: Duration,
    p95: Duration,
    max: Duration,
}

fn stats(mut v: Vec<Duration>) -> Stats {
    v.sort();
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    Stats {
        median: at(0.5),
        p95: at(0.95),
        max: *v.last().expect("samples"),
    }
}

fn us(d: Duration) -> String {
    format!("{:>8.1} µs", d.as_secs_f64() * 1e6)
}

fn report(name: &str, what: &str, s: &Stats) {
    println!(
        "{name:<28} {what:<9} median {}  p95 {}  max {}",
        us(s.median),
        us(s.p95),
        us(s.max)
    );
}

fn bench_render(name: &str, state: &State) -> Stats {
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    let mut samples = Vec::with_capacity(SAMPLES);
    for i in 0..WARMUP + SAMPLES {
        // A fresh buffer each time: a full render, not an empty diff.
        t.clear().expect("clear");
        let start = Instant::now();
        t.draw(|f| render(f, black_box(state))).expect("draw");
        if i >= WARMUP {
            samples.push(start.elapsed());
        }
    }
    let s = stats(samples);
    report(name, "render", &s);
    s
}

/// `keys` are applied in turn, forever (they should undo each other so the
/// state stays comparable).
fn bench_keys(name: &str, mut state: State, keys: &[Action]) -> Stats {
    let backend = CrosstermBackend::new(Sink::default());
    let mut t = Terminal::with_options(
        backend,
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 80, 24)),
        },
    )
    .expect("terminal");
    t.draw(|f| render(f, &state)).expect("first draw");
    let mut samples = Vec::with_capacity(SAMPLES);
    for i in 0..WARMUP + SAMPLES {
        let a = keys[i % keys.len()].clone();
        let start = Instant::now();
        let cmds = update(&mut state, a);
        t.draw(|f| render(f, &state)).expect("draw");
        if i >= WARMUP {
            samples.push(start.elapsed());
        }
        black_box(cmds);
    }
    let s = stats(samples);
    report(name, "key+draw", &s);
    s
}

/// Where the escape sequences go: counted and dropped, like a fast tty.
#[derive(Default)]
struct Sink(usize);

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += black_box(buf).len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn cvent_at(n_enters: usize) -> State {
    let mut s = state();
    apply(&mut s, std::iter::repeat_n(key(KeyCode::Enter), n_enters));
    s
}

fn hubdb_authorize() -> State {
    let mut s = state();
    apply(&mut s, typed("hub"));
    apply(&mut s, std::iter::repeat_n(key(KeyCode::Enter), 4));
    apply(
        &mut s,
        [paste("hub-client-id"), key(KeyCode::Enter), paste("secret")],
    );
    let _ = update(&mut s, key(KeyCode::Enter));
    let run = s.auth.run;
    for event in [
        LoginEvent::Listening {
            redirect_uri: "http://127.0.0.1:33333/callback".into(),
        },
        LoginEvent::AuthorizeUrl {
            url: "https://app.hubspot.com/oauth/authorize?client_id=hub-client-id&redirect_uri=http%3A%2F%2F127.0.0.1%3A33333%2Fcallback&scope=hubdb%20oauth&state=abcdefghijklmnop&code_challenge=0123456789abcdef0123456789abcdef0123456789a&code_challenge_method=S256".into(),
            browser_started: true,
        },
        LoginEvent::Waiting {
            remaining: Duration::from_secs(290),
        },
    ] {
        let _ = update(&mut s, Action::Login { run, event });
    }
    s
}

fn device_wait(qr: bool) -> State {
    let mut s = state_with(vec![profile(DEVICE)]);
    apply(&mut s, [key(KeyCode::Enter)]);
    apply(
        &mut s,
        [
            paste("tv-client"),
            key(KeyCode::Enter),
            paste("https://id.example.com"),
        ],
    );
    let cmds = update(&mut s, key(KeyCode::Enter));
    assert!(matches!(cmds.as_slice(), [Effect::StartLogin { .. }]));
    let run = s.auth.run;
    let _ = update(
        &mut s,
        Action::Login {
            run,
            event: LoginEvent::DeviceCode {
                user_code: "WDJB-MJHT".into(),
                verification_uri: "https://id.example.com/device".into(),
                verification_uri_complete: Some(
                    "https://id.example.com/device?user_code=WDJB-MJHT".into(),
                ),
                expires_in: Duration::from_secs(600),
            },
        },
    );
    if qr {
        apply(&mut s, [key(KeyCode::Char('q'))]);
    }
    s
}

fn main() {
    println!("wizard redraw at 80x24, {SAMPLES} samples each (goal: ≤ 5 ms per key)\n");
    let mut worst = Duration::ZERO;
    let mut track = |s: Stats| worst = worst.max(s.p95);

    let provider = state();
    let creds = {
        let mut s = cvent_at(4);
        assert_eq!(s.screen, Screen::Credentials);
        apply(&mut s, [paste("cvent-client-id"), key(KeyCode::Enter)]);
        s
    };
    let screens: Vec<(&str, State)> = vec![
        ("provider", provider.clone()),
        ("method", cvent_at(1)),
        ("setup", cvent_at(2)),
        ("scopes", cvent_at(3)),
        ("credentials", creds.clone()),
        ("authorize (browser)", hubdb_authorize()),
        ("authorize (device)", device_wait(false)),
        ("authorize (device, QR)", device_wait(true)),
        ("help overlay", {
            let mut s = cvent_at(3);
            apply(&mut s, [key(KeyCode::Char('?'))]);
            s
        }),
    ];
    for (name, s) in &screens {
        track(bench_render(name, s));
    }
    println!();
    track(bench_keys(
        "provider: type/erase filter",
        provider,
        &[key(KeyCode::Char('h')), key(KeyCode::Backspace)],
    ));
    track(bench_keys(
        "scopes: down/up",
        cvent_at(3),
        &[key(KeyCode::Down), key(KeyCode::Up)],
    ));
    track(bench_keys(
        "credentials: type/erase",
        creds,
        &[key(KeyCode::Char('x')), key(KeyCode::Backspace)],
    ));
    track(bench_keys(
        "device: QR on/off",
        device_wait(false),
        &[key(KeyCode::Char('q'))],
    ));
    track(bench_keys(
        "authorize: tick",
        hubdb_authorize(),
        &[Action::Tick],
    ));
    println!(
        "\nworst p95: {} ({})",
        us(worst),
        if worst <= Duration::from_millis(5) {
            "within the 5 ms goal"
        } else {
            "OVER the 5 ms goal"
        }
    );
}
