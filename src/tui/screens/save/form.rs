//! The Save form: where (a named file on this machine, or a Vault / OpenBao
//! path with its address and how to authenticate), InitiateOAuth, and the
//! "replace or new name" question when the place is taken.

use super::{SaveScreen, keys};
use crate::connections::Kind;
use crate::settings::InitiateOAuth;
use crate::settings::vault::TokenSource;
use crate::tui::action::{Effect, SaveTarget, VaultAuth, VaultTarget};
use crate::tui::screens::Nav;
use crate::tui::state::{Phase, State};
use crate::tui::widgets::Hint;
use crossterm::event::{KeyCode, KeyEvent};
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
    pub(super) fn label(self) -> &'static str {
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

/// What the connection being saved is (None before a sign-in finished).
pub fn kind(state: &State) -> Option<Kind> {
    state.settings.as_ref().map(Kind::of)
}

/// The InitiateOAuth choices offered for this connection.
fn modes(kind: Option<Kind>) -> &'static [InitiateOAuth] {
    kind.map_or(
        &[
            InitiateOAuth::Getandrefresh,
            InitiateOAuth::Refresh,
            InitiateOAuth::Off,
        ],
        Kind::initiate_modes,
    )
}

/// The InitiateOAuth value saved: the one chosen when it is offered for
/// this connection, else the first that is (OFF for a pasted token).
pub fn mode(state: &State) -> InitiateOAuth {
    let offered = modes(kind(state));
    if offered.contains(&state.save.mode) {
        state.save.mode
    } else {
        offered.first().copied().unwrap_or(InitiateOAuth::Off)
    }
}

/// The modes offered, each with whether it is the one that will be saved.
pub fn mode_choices(state: &State) -> Vec<(InitiateOAuth, bool)> {
    let m = mode(state);
    modes(kind(state)).iter().map(|o| (*o, *o == m)).collect()
}

/// The rows shown now.
pub fn rows(s: &SaveScreen, kind: Option<Kind>) -> Vec<SaveFocus> {
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
    // A pasted token has nothing for InitiateOAuth to get or refresh.
    if !modes(kind).is_empty() {
        v.push(SaveFocus::Mode);
    }
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

pub(super) fn input(s: &SaveScreen, f: SaveFocus) -> Option<&Input> {
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
    let offered = modes(kind(state));
    let current = mode(state);
    let shown = rows(&state.save, kind(state));
    let s = &mut state.save;
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
                _ => s.mode = next_mode(offered, current, forward),
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

/// The next of the `offered` modes after `m`, cycling.
fn next_mode(offered: &[InitiateOAuth], m: InitiateOAuth, forward: bool) -> InitiateOAuth {
    let n = offered.len();
    let Some(at) = offered.iter().position(|o| *o == m) else {
        return offered.first().copied().unwrap_or(m);
    };
    offered[if forward {
        (at + 1) % n
    } else {
        (at + n - 1) % n
    }]
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
            if state.home.reconnecting.as_ref().is_some_and(|r| r.path == *path));
    state.save.taken = None;
    state.save.phase = Phase::Running;
    fx.push(Effect::Save {
        target,
        settings: Box::new(settings),
        mode: mode(state),
        replace,
        config_dir: state.config_dir.clone(),
    });
}
