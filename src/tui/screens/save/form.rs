//! The Save form: where (a named file on this machine, or a Vault / OpenBao
//! path with its address and how to authenticate), InitiateOAuth, and the
//! "replace or new name" question when the place is taken.

use super::{SaveScreen, keys, row};
use crate::settings::InitiateOAuth;
use crate::settings::vault::TokenSource;
use crate::tui::action::{Effect, SaveTarget, VaultAuth, VaultTarget};
use crate::tui::screens::Nav;
use crate::tui::state::{Phase, State};
use crate::tui::widgets::field::{self, FieldView};
use crate::tui::widgets::{Hint, spinner};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use tui_input::Input;

/// Where the settings go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dest {
    #[default]
    File,
    Vault,
}

/// The rows of the form, top to bottom; which are shown depends on the
/// destination and, for Vault, on how it authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SaveFocus {
    Dest,
    #[default]
    Name,
    Addr,
    VaultPath,
    Auth,
    RoleId,
    SecretIdFile,
    Mode,
}

impl SaveFocus {
    fn label(self) -> &'static str {
        match self {
            Self::Dest => "Save to:",
            Self::Name => "Name:",
            Self::Addr => "Vault address:",
            Self::VaultPath => "Path:",
            Self::Auth => "Sign in with:",
            Self::RoleId => "Role ID:",
            Self::SecretIdFile => "Secret ID file:",
            Self::Mode => "InitiateOAuth:",
        }
    }

    fn is_text(self) -> bool {
        !matches!(self, Self::Dest | Self::Auth | Self::Mode)
    }
}

/// The Vault part of the form.
#[derive(Debug, Clone, Default)]
pub struct VaultForm {
    pub addr: Input,
    pub path: Input,
    pub approle: bool,
    pub role_id: Input,
    pub secret_id_file: Input,
    /// Where a token would come from (read when the screen opened).
    pub token_source: Option<TokenSource>,
}

impl VaultForm {
    /// The Vault conventions as they are when the wizard starts
    /// (`VAULT_ADDR`/`BAO_ADDR`, where a token would come from, an AppRole
    /// in `OAUTH_SETUP_VAULT_ROLE_ID` and `_SECRET_ID_FILE`). Read by the app
    /// before the first frame, so that `update` stays free of I/O.
    pub fn from_env() -> VaultForm {
        let env = |n: &str| {
            std::env::var(n)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let role_id = env("OAUTH_SETUP_VAULT_ROLE_ID");
        VaultForm {
            addr: Input::new(crate::settings::vault::addr_from_env().unwrap_or_default()),
            path: Input::default(),
            approle: role_id.is_some(),
            role_id: Input::new(role_id.unwrap_or_default()),
            secret_id_file: Input::new(env("OAUTH_SETUP_VAULT_SECRET_ID_FILE").unwrap_or_default()),
            token_source: crate::settings::vault::token_source(),
        }
    }
}

/// The rows shown now.
pub fn rows(s: &SaveScreen) -> Vec<SaveFocus> {
    let mut v = vec![SaveFocus::Dest];
    match s.dest {
        Dest::File => v.push(SaveFocus::Name),
        Dest::Vault => {
            v.extend([SaveFocus::Addr, SaveFocus::VaultPath, SaveFocus::Auth]);
            if s.vault.approle {
                v.extend([SaveFocus::RoleId, SaveFocus::SecretIdFile]);
            }
        }
    }
    v.push(SaveFocus::Mode);
    v
}

pub fn input_mut(s: &mut SaveScreen, f: SaveFocus) -> Option<&mut Input> {
    Some(match f {
        SaveFocus::Name => &mut s.name,
        SaveFocus::Addr => &mut s.vault.addr,
        SaveFocus::VaultPath => &mut s.vault.path,
        SaveFocus::RoleId => &mut s.vault.role_id,
        SaveFocus::SecretIdFile => &mut s.vault.secret_id_file,
        SaveFocus::Dest | SaveFocus::Auth | SaveFocus::Mode => return None,
    })
}

fn input(s: &SaveScreen, f: SaveFocus) -> Option<&Input> {
    Some(match f {
        SaveFocus::Name => &s.name,
        SaveFocus::Addr => &s.vault.addr,
        SaveFocus::VaultPath => &s.vault.path,
        SaveFocus::RoleId => &s.vault.role_id,
        SaveFocus::SecretIdFile => &s.vault.secret_id_file,
        SaveFocus::Dest | SaveFocus::Auth | SaveFocus::Mode => return None,
    })
}

/// True when printable keys go into a field.
pub fn typing(s: &SaveScreen) -> bool {
    s.taken.is_none() && s.phase != Phase::Running && s.focus.is_text()
}

pub fn hints(s: &SaveScreen) -> Vec<Hint> {
    if let Some(t) = &s.taken {
        let mut h = vec![("r", "replace")];
        if t.free_name.is_some() {
            h.push(("n", "new name"));
        }
        h.push(("Esc", "change it"));
        return h;
    }
    match s.phase {
        Phase::Running => vec![],
        _ if s.focus.is_text() => vec![("Tab", "next"), ("Enter", "save"), ("Esc", "back")],
        _ => vec![
            ("←→", "change"),
            ("Tab", "next"),
            ("Enter", "save"),
            ("Esc", "back"),
        ],
    }
}

pub fn on_key(state: &mut State, k: KeyEvent, fx: &mut Vec<Effect>) -> Nav {
    if state.save.phase == Phase::Running {
        return Nav::Stay;
    }
    if state.save.taken.is_some() {
        taken_key(state, k, fx);
        return Nav::Stay;
    }
    let s = &mut state.save;
    let shown = rows(s);
    let at = shown.iter().position(|f| *f == s.focus).unwrap_or(0);
    match k.code {
        KeyCode::Tab | KeyCode::Down => s.focus = shown[(at + 1) % shown.len()],
        KeyCode::BackTab | KeyCode::Up => s.focus = shown[(at + shown.len() - 1) % shown.len()],
        KeyCode::Enter => request(state, false, fx),
        KeyCode::Esc => return Nav::Back,
        KeyCode::Left | KeyCode::Right | KeyCode::Char(' ') if !s.focus.is_text() => {
            let forward = k.code != KeyCode::Left;
            match s.focus {
                SaveFocus::Dest => {
                    s.dest = match s.dest {
                        Dest::File => Dest::Vault,
                        Dest::Vault => Dest::File,
                    };
                }
                SaveFocus::Auth => s.vault.approle = !s.vault.approle,
                _ => s.mode = next_mode(s.mode, forward),
            }
        }
        _ => {
            let f = s.focus;
            if let Some(i) = input_mut(s, f) {
                keys::edit(i, k);
            }
        }
    }
    Nav::Stay
}

/// "Replace or new name": r replaces, n takes the free name, Esc edits.
fn taken_key(state: &mut State, k: KeyEvent, fx: &mut Vec<Effect>) {
    let s = &mut state.save;
    match k.code {
        KeyCode::Char('r' | 'R') => request(state, true, fx),
        KeyCode::Char('n' | 'N') => {
            if let Some(free) = s.taken.as_ref().and_then(|t| t.free_name.clone()) {
                s.name = Input::new(free);
                request(state, false, fx);
            }
        }
        KeyCode::Esc => {
            s.focus = match s.dest {
                Dest::File => SaveFocus::Name,
                Dest::Vault => SaveFocus::VaultPath,
            };
            s.taken = None;
        }
        _ => {}
    }
}

fn next_mode(m: InitiateOAuth, forward: bool) -> InitiateOAuth {
    use InitiateOAuth::*;
    match (m, forward) {
        (Getandrefresh, true) | (Off, false) => Refresh,
        (Refresh, true) | (Getandrefresh, false) => Off,
        (Off, true) | (Refresh, false) => Getandrefresh,
    }
}

/// A connection name: letters, digits, `-`, `_`, `.`, not starting with a dot.
pub fn is_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('.')
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// What the Name field means: a name in the settings directory, or a path.
pub fn file_target(state: &State) -> Result<SaveTarget, String> {
    let raw = state.save.name.value().trim();
    if raw.is_empty() {
        return Err("Type a name for this connection (or a path to a file).".into());
    }
    if raw.contains('/') || raw.starts_with('~') || raw.ends_with(".json") {
        return Ok(SaveTarget::File {
            path: raw.into(),
            name: None,
        });
    }
    if !is_name(raw) {
        return Err(
            "A name is letters, digits, -, _ and . (type a path with a / for a file elsewhere)."
                .into(),
        );
    }
    Ok(SaveTarget::File {
        path: crate::paths::settings_file(&state.config_dir, raw),
        name: Some(raw.to_string()),
    })
}

fn vault_target(s: &SaveScreen) -> Result<SaveTarget, String> {
    let v = &s.vault;
    let addr = v.addr.value().trim();
    if addr.is_empty() {
        return Err("Type the Vault address (for example https://vault.example.com:8200).".into());
    }
    let path = v.path.value().trim();
    if let Err(e) = crate::settings::vault::VaultLocation::parse(path) {
        return Err(format!("Path: {e}"));
    }
    let auth = if v.approle {
        let (role, file) = (v.role_id.value().trim(), v.secret_id_file.value().trim());
        if role.is_empty() || file.is_empty() {
            return Err("AppRole needs the role ID and the file that holds the secret ID.".into());
        }
        VaultAuth::AppRole {
            role_id: role.to_string(),
            secret_id_file: file.into(),
        }
    } else {
        VaultAuth::Token
    };
    Ok(SaveTarget::Vault(VaultTarget {
        addr: addr.to_string(),
        location: path.to_string(),
        auth,
    }))
}

fn request(state: &mut State, replace: bool, fx: &mut Vec<Effect>) {
    let target = match state.save.dest {
        Dest::File => file_target(state),
        Dest::Vault => vault_target(&state.save),
    };
    let target = match target {
        Ok(t) => t,
        Err(e) => {
            state.save.phase = Phase::Failed(e);
            return;
        }
    };
    let Some(settings) = state.settings.clone() else {
        state.error("Nothing to save yet: the sign-in did not finish.");
        return;
    };
    // Signing in again from the home screen writes back where it came from:
    // that is the replacement the user asked for, not a clash to ask about.
    let replace = replace
        || matches!(&target, SaveTarget::File { path, .. }
            if state.home.reconnecting.as_deref() == Some(path.as_path()));
    state.save.taken = None;
    state.save.phase = Phase::Running;
    fx.push(Effect::Save {
        target,
        settings: Box::new(settings),
        mode: state.save.mode,
        replace,
        config_dir: state.config_dir.clone(),
    });
}

fn mode_help(m: InitiateOAuth) -> &'static str {
    match m {
        InitiateOAuth::Getandrefresh => "sign in interactively when needed, refresh when expired",
        InitiateOAuth::Refresh => "refresh only, never interactive (servers)",
        InitiateOAuth::Off => "use the stored token as is",
    }
}

const LABEL: u16 = 18;

fn choice(spans: &mut Vec<Span<'static>>, text: String, on: bool, state: &State) {
    let theme = &state.theme;
    spans.push(if on {
        Span::styled(format!("[{text}]"), theme.focus())
    } else {
        Span::styled(format!(" {text} "), theme.dim())
    });
    spans.push(Span::raw(" "));
}

/// The value column of a choice row.
fn choices(state: &State, f: SaveFocus) -> Vec<Span<'static>> {
    let s = &state.save;
    let mut spans = Vec::new();
    match f {
        SaveFocus::Dest => {
            choice(
                &mut spans,
                "a file on this machine".into(),
                s.dest == Dest::File,
                state,
            );
            choice(
                &mut spans,
                "a Vault / OpenBao path".into(),
                s.dest == Dest::Vault,
                state,
            );
        }
        SaveFocus::Auth => {
            let token = match s.vault.token_source {
                Some(src) => format!("token ({})", src.describe()),
                None => "token (none found)".into(),
            };
            choice(&mut spans, token, !s.vault.approle, state);
            choice(&mut spans, "AppRole".into(), s.vault.approle, state);
        }
        _ => {
            for m in [
                InitiateOAuth::Getandrefresh,
                InitiateOAuth::Refresh,
                InitiateOAuth::Off,
            ] {
                choice(&mut spans, m.as_str().into(), m == s.mode, state);
            }
        }
    }
    spans
}

/// The line under a row, when it has one.
fn note(state: &State, f: SaveFocus) -> Option<String> {
    let s = &state.save;
    match f {
        SaveFocus::Name => Some(match file_target(state) {
            Ok(SaveTarget::File { path, .. }) => format!("→ {}", path.display()),
            Ok(SaveTarget::Vault(_)) | Err(_) => "a name, or a path to a file".into(),
        }),
        SaveFocus::Mode => Some(mode_help(s.mode).into()),
        SaveFocus::Auth if !s.vault.approle && s.vault.token_source.is_none() => {
            Some("set VAULT_TOKEN before starting the wizard, or write ~/.vault-token".into())
        }
        _ => None,
    }
}

pub fn render(frame: &mut Frame, inner: Rect, state: &State) {
    let theme = &state.theme;
    let s = &state.save;
    let mut y = 2;
    for f in rows(s) {
        let focused = s.focus == f && s.taken.is_none() && s.phase != Phase::Running;
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!("{} {}", if focused { "›" } else { " " }, f.label()),
                if focused { theme.focus() } else { Style::new() },
            )),
            row(inner, y),
        );
        let value = Rect {
            x: inner.x + LABEL,
            width: inner.width.saturating_sub(LABEL),
            ..row(inner, y)
        };
        match input(s, f) {
            Some(i) => field::render(
                frame,
                value,
                FieldView {
                    input: Some(i),
                    masked: false,
                    focused,
                    placeholder: match f {
                        SaveFocus::Name => "a name, or a path to a file",
                        SaveFocus::Addr => "https://vault.example.com:8200",
                        SaveFocus::VaultPath => "vault://MOUNT/PATH",
                        SaveFocus::RoleId => "the AppRole's role ID",
                        _ => "a file that holds the secret ID",
                    },
                },
                theme,
            ),
            None => frame.render_widget(Paragraph::new(Line::from(choices(state, f))), value),
        }
        y += 1;
        if let Some(n) = note(state, f) {
            frame.render_widget(
                Paragraph::new(Span::styled(crate::text::sanitize(&n, 500), theme.dim())),
                Rect {
                    x: inner.x + LABEL,
                    width: inner.width.saturating_sub(LABEL),
                    ..row(inner, y)
                },
            );
            y += 1;
        }
    }
    let status = status(state);
    frame.render_widget(
        Paragraph::new(status).wrap(Wrap { trim: true }),
        Rect {
            y: inner.y + (y + 1).min(inner.height),
            height: inner.height.saturating_sub(y + 1),
            ..inner
        },
    );
}

fn status(state: &State) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let s = &state.save;
    if let Some(t) = &s.taken {
        let shown = |p: &std::path::Path| crate::text::sanitize(&p.display().to_string(), 300);
        let mut lines = vec![Line::from(Span::styled(
            format!(
                "! {} already holds {}.",
                crate::text::sanitize(&t.location, 300),
                t.holds
            ),
            theme.warn(),
        ))];
        let replace = match (&t.backup, t.unreadable) {
            (Some(b), false) => format!("r replaces it (the old one is kept as {})", shown(b)),
            (Some(b), true) => format!(
                "r replaces it (it cannot be read here; it is kept as it is in {})",
                shown(b)
            ),
            (None, _) => "r replaces it (Vault keeps the old version in its history)".into(),
        };
        lines.push(Line::from(replace));
        if let Some(free) = &t.free_name {
            lines.push(Line::from(format!("n saves this one beside it as {free}")));
        }
        lines.push(Line::from(Span::styled(
            "Esc changes the name or path",
            theme.dim(),
        )));
        return lines;
    }
    vec![match &s.phase {
        Phase::Running => Line::from(vec![
            Span::styled(format!("{} ", spinner(state.tick)), theme.accent()),
            Span::raw(match s.dest {
                Dest::File => "Saving…",
                Dest::Vault => "Checking the Vault path, then saving…",
            }),
        ]),
        Phase::Failed(m) => Line::from(Span::styled(
            format!("✗ Not saved: {}", crate::text::sanitize(m, 1000)),
            theme.error(),
        )),
        Phase::Idle | Phase::Done => Line::from(Span::styled(
            match s.dest {
                Dest::File => {
                    "Enter saves. The secrets are encrypted; the file is readable only by you."
                }
                Dest::Vault => {
                    "Enter reads the path and its lock first, then saves (never over another's)."
                }
            },
            theme.dim(),
        )),
    }]
}
