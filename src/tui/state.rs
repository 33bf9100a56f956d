//! Wizard state. Every screen's answers live side by side in [`State`] and
//! `screen` only says where the user is, so Back (and Forward again) keeps
//! everything typed so far; answers that stop making sense (another provider
//! was picked) are reset explicitly in `update`.

use super::theme::Theme;
use crate::probe::Choice;
use crate::provider::{
    Access, EndpointError, Field, Lookup, Profile, Region, Scheme, SchemeKind, ScopeInfo,
};
use crate::settings::{InitiateOAuth, Settings};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;
use tui_input::Input;

/// How often the app sends `Action::Tick` (spinner, countdowns).
pub const TICK: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Screen {
    Provider,
    Method,
    Setup,
    Scopes,
    Credentials,
    Authorize,
    Test,
    Save,
}

impl Screen {
    pub fn title(self) -> &'static str {
        match self {
            Screen::Provider => "Choose the service",
            Screen::Method => "How to sign in",
            Screen::Setup => "Set up the app at the provider",
            Screen::Scopes => "Scopes (permissions)",
            Screen::Credentials => "Credentials",
            Screen::Authorize => "Sign in",
            Screen::Test => "Test call",
            Screen::Save => "Save",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeKind {
    Info,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub kind: NoticeKind,
}

#[derive(Debug, Clone, Default)]
pub struct ProviderScreen {
    pub filter: String,
    /// Index into the filtered list.
    pub cursor: usize,
}

#[derive(Debug, Clone, Default)]
pub struct MethodScreen {
    pub scheme: usize,
    pub region: usize,
}

#[derive(Debug, Clone, Default)]
pub struct SetupScreen {
    pub cursor: usize,
    pub ticked: BTreeSet<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct ScopesScreen {
    pub filter: String,
    /// Index into the visible scopes (headers excluded).
    pub cursor: usize,
    pub selected: BTreeSet<String>,
    /// Index into the profile's presets of the last preset applied.
    pub preset: Option<usize>,
}

/// A row of the credentials form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FormKey {
    Field(Field),
    /// A profile template variable with no default (`tenant`, `org`).
    Var(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormRow {
    Input {
        key: FormKey,
        required: bool,
    },
    /// "Keep the secret (encrypted)" check box.
    KeepSecret,
}

/// Where a field's pick list (Event Temple's organizations) stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LookupPhase {
    #[default]
    Idle,
    Loading,
    Ready(Vec<Choice>),
    /// Listing failed; typing the value still works.
    Failed(String),
}

#[derive(Debug, Clone, Default)]
pub struct LookupState {
    pub run: u64,
    /// The field the list is for.
    pub field: Option<Field>,
    /// Hash of the client ID and secret the list was fetched with: other
    /// credentials may see other organizations.
    pub key: u64,
    pub phase: LookupPhase,
    /// The list is shown under the field.
    pub open: bool,
    /// Index into the filtered choices.
    pub cursor: usize,
}

#[derive(Debug, Clone, Default)]
pub struct CredsScreen {
    pub lookup: LookupState,
    pub focus: usize,
    /// Keyed by field so values survive a change of method.
    pub inputs: BTreeMap<FormKey, Input>,
    pub reveal: bool,
    pub keep_secret: bool,
    /// Set on the first submit: from then on empty required fields are flagged.
    pub attempted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Phase {
    #[default]
    Idle,
    Running,
    Done,
    Failed(String),
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub user_code: String,
    pub verification_uri: String,
    /// The page with the code filled in, when the server offers one.
    pub verification_uri_complete: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AuthScreen {
    pub run: u64,
    pub phase: Phase,
    pub cancelling: bool,
    pub status: String,
    pub url: Option<String>,
    pub redirect_uri: Option<String>,
    pub browser_started: bool,
    pub browser_failed: Option<String>,
    pub remaining: Option<Duration>,
    /// `State::tick` when `remaining` was reported: the countdown runs on ticks
    /// in between.
    pub remaining_tick: u64,
    pub device: Option<DeviceInfo>,
    pub qr: bool,
    /// Some while the user pastes the redirect URL from another machine.
    pub paste: Option<Input>,
    /// What to try after a failure, when the message does not say.
    pub hint: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct TestScreen {
    pub run: u64,
    pub phase: Phase,
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SaveFocus {
    #[default]
    Path,
    Mode,
}

/// "Export for a server" on the Save screen: an age bundle under a passphrase.
#[derive(Debug, Clone, Default)]
pub struct ExportForm {
    pub path: Input,
    pub pass: Input,
    pub confirm: Input,
    /// 0 = path, 1 = passphrase, 2 = passphrase again.
    pub focus: usize,
    pub phase: Phase,
    /// Set once the bundle is written.
    pub written: Option<PathBuf>,
    /// Set on the first submit: from then on problems are flagged.
    pub attempted: bool,
}

impl ExportForm {
    pub fn input(&self, i: usize) -> &Input {
        match i {
            0 => &self.path,
            1 => &self.pass,
            _ => &self.confirm,
        }
    }

    pub fn input_mut(&mut self, i: usize) -> &mut Input {
        match i {
            0 => &mut self.path,
            1 => &mut self.pass,
            _ => &mut self.confirm,
        }
    }

    /// What is wrong with field `i`, in words.
    pub fn problem(&self, i: usize) -> Option<String> {
        let min = crate::export::bundle::MIN_PASSPHRASE;
        match i {
            0 if self.path.value().trim().is_empty() => Some("where should the bundle go?".into()),
            1 if self.pass.value().chars().count() < min => {
                Some(format!("at least {min} characters"))
            }
            2 if self.confirm.value() != self.pass.value() => {
                Some("the two passphrases differ".into())
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct SaveScreen {
    pub export: Option<ExportForm>,
    pub path: Input,
    pub mode: InitiateOAuth,
    pub focus: SaveFocus,
    pub phase: Phase,
    pub saved: Option<super::action::Saved>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeRow {
    Header(String),
    /// Index into `Profile::scopes`.
    Scope(usize),
}

#[derive(Debug, Clone)]
pub struct State {
    pub profiles: Vec<Profile>,
    pub config_dir: PathBuf,
    pub theme: Theme,
    pub size: (u16, u16),
    pub screen: Screen,
    /// Help overlay open, with its scroll offset.
    pub help: Option<u16>,
    pub notice: Option<Notice>,
    pub quit: bool,
    pub tick: u64,
    /// Shown on the provider screen when profiles could not all be loaded.
    pub load_error: Option<String>,
    /// Index into `profiles` of the chosen provider.
    pub chosen: Option<usize>,
    pub provider: ProviderScreen,
    pub method: MethodScreen,
    pub setup: SetupScreen,
    pub scopes: ScopesScreen,
    pub creds: CredsScreen,
    pub auth: AuthScreen,
    pub test: TestScreen,
    pub save: SaveScreen,
    /// What the sign-in produced; saved on the last screen.
    pub settings: Option<Settings>,
    /// (profile, scheme) whose defaults (scopes, callback URL) are filled in.
    pub defaults_for: Option<(usize, usize)>,
}

impl State {
    pub fn new(profiles: Vec<Profile>, config_dir: PathBuf, theme: Theme) -> Self {
        Self {
            profiles,
            config_dir,
            theme,
            size: (80, 24),
            screen: Screen::Provider,
            help: None,
            notice: None,
            quit: false,
            tick: 0,
            load_error: None,
            chosen: None,
            provider: ProviderScreen::default(),
            method: MethodScreen::default(),
            setup: SetupScreen::default(),
            scopes: ScopesScreen::default(),
            creds: CredsScreen::default(),
            auth: AuthScreen::default(),
            test: TestScreen::default(),
            save: SaveScreen::default(),
            settings: None,
            defaults_for: None,
        }
    }

    pub fn profile(&self) -> Option<&Profile> {
        self.chosen.and_then(|i| self.profiles.get(i))
    }

    pub fn scheme(&self) -> Option<&Scheme> {
        self.profile()?.schemes.get(self.method.scheme)
    }

    pub fn region(&self) -> Option<&Region> {
        self.profile()?.regions.get(self.method.region)
    }

    /// Profiles matching the filter, as indices into `profiles`: those whose
    /// id or name starts with it first, so one or two letters pick a provider.
    pub fn filtered_profiles(&self) -> Vec<usize> {
        let f = self.provider.filter.to_lowercase();
        let rank = |p: &Profile| -> Option<u8> {
            let (id, name) = (p.id.to_lowercase(), p.name.to_lowercase());
            if f.is_empty() || id.starts_with(&f) || name.starts_with(&f) {
                Some(0)
            } else if id.contains(&f) || name.contains(&f) {
                Some(1)
            } else if p.description.to_lowercase().contains(&f) {
                Some(2)
            } else {
                None
            }
        };
        let mut v: Vec<(u8, usize)> = self
            .profiles
            .iter()
            .enumerate()
            .filter_map(|(i, p)| rank(p).map(|r| (r, i)))
            .collect();
        v.sort();
        v.into_iter().map(|(_, i)| i).collect()
    }

    /// The screens this provider and method go through, in order.
    pub fn steps(&self) -> Vec<Screen> {
        let mut v = vec![Screen::Provider];
        let Some(p) = self.profile() else {
            return v;
        };
        if p.schemes.len() > 1 || p.regions.len() > 1 {
            v.push(Screen::Method);
        }
        let scheme = self.scheme();
        if scheme
            .is_some_and(|s| !s.setup_steps.is_empty() || s.kind == SchemeKind::AuthorizationCode)
        {
            v.push(Screen::Setup);
        }
        if scheme.is_some_and(|s| s.uses_scopes) && !p.scopes.is_empty() {
            v.push(Screen::Scopes);
        }
        if !self.form_rows().is_empty() {
            v.push(Screen::Credentials);
        }
        v.push(Screen::Authorize);
        if p.test.is_some() {
            v.push(Screen::Test);
        }
        v.push(Screen::Save);
        v
    }

    /// Rows of the set-up checklist: the steps, then the redirect URI to register.
    pub fn setup_rows(&self) -> usize {
        let steps = self.scheme().map_or(0, |s| s.setup_steps.len());
        steps + usize::from(self.needs_redirect())
    }

    pub fn needs_redirect(&self) -> bool {
        self.scheme()
            .is_some_and(|s| s.kind == SchemeKind::AuthorizationCode)
    }

    /// The redirect URI the provider must know: the one typed, else the
    /// method's default. None means "a loopback port picked at sign-in".
    pub fn redirect_uri(&self) -> Option<String> {
        let typed = self
            .creds
            .inputs
            .get(&FormKey::Field(Field::CallbackUrl))
            .map(|i| i.value().trim().to_string())
            .filter(|v| !v.is_empty());
        typed.or_else(|| self.scheme().and_then(|s| s.default_callback_url.clone()))
    }

    /// Visible scopes grouped by `group`, groups in first-seen order.
    pub fn scope_rows(&self) -> Vec<ScopeRow> {
        let Some(p) = self.profile() else {
            return Vec::new();
        };
        let f = self.scopes.filter.to_lowercase();
        let matches = |s: &ScopeInfo| {
            f.is_empty()
                || s.name.to_lowercase().contains(&f)
                || s.group.to_lowercase().contains(&f)
                || s.description.to_lowercase().contains(&f)
        };
        let mut groups: Vec<&str> = Vec::new();
        for s in p.scopes.iter().filter(|s| matches(s)) {
            if !groups.contains(&s.group.as_str()) {
                groups.push(&s.group);
            }
        }
        let mut rows = Vec::new();
        for g in groups {
            if !g.is_empty() {
                rows.push(ScopeRow::Header(g.to_string()));
            }
            for (i, s) in p.scopes.iter().enumerate() {
                if s.group == g && matches(s) {
                    rows.push(ScopeRow::Scope(i));
                }
            }
        }
        rows
    }

    /// Visible scope indices (into `Profile::scopes`) in row order.
    pub fn visible_scopes(&self) -> Vec<usize> {
        self.scope_rows()
            .into_iter()
            .filter_map(|r| match r {
                ScopeRow::Scope(i) => Some(i),
                ScopeRow::Header(_) => None,
            })
            .collect()
    }

    /// Selected scopes in the profile's order (stable scope strings).
    pub fn selected_scopes(&self) -> Vec<String> {
        let Some(p) = self.profile() else {
            return Vec::new();
        };
        let mut v: Vec<String> = p
            .scopes
            .iter()
            .filter(|s| self.scopes.selected.contains(&s.name))
            .map(|s| s.name.clone())
            .collect();
        // Scopes from a preset that the profile does not list still count.
        for s in &self.scopes.selected {
            if !v.contains(s) {
                v.push(s.clone());
            }
        }
        v
    }

    /// Warnings for the current scope selection.
    pub fn scope_warnings(&self) -> Vec<String> {
        let Some(p) = self.profile() else {
            return Vec::new();
        };
        let mut w = Vec::new();
        let n = self.scopes.selected.len();
        if let Some(limit) = p.scope_limit
            && n > limit
        {
            w.push(format!(
                "{n} scopes selected: {} is known to fail above about {limit}. Pick fewer.",
                p.name
            ));
        }
        if n == 0 {
            if p.empty_scope_means_all {
                w.push("No scope: the token gets every scope the app has.".to_string());
            } else {
                w.push("No scope selected: the provider may refuse the sign-in.".to_string());
            }
        }
        for s in &p.scopes {
            if let Some(msg) = &s.warning
                && self.scopes.selected.contains(&s.name)
            {
                w.push(format!("{}: {msg}", s.name));
            }
        }
        w
    }

    /// Template variables the user must type: no default, not set by the
    /// region, not covered by a field, and used by this method.
    pub fn missing_vars(&self) -> Vec<String> {
        let (Some(p), Some(s)) = (self.profile(), self.scheme()) else {
            return Vec::new();
        };
        let region_vars = self.region().map(|r| &r.vars);
        let mut templates: Vec<&str> = [
            &s.authorize_url,
            &s.token_url,
            &s.device_authorization_url,
            &s.signin_url,
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
        templates.extend(s.extra_headers.values().map(String::as_str));
        if let Some(t) = &p.test {
            templates.push(&t.url);
            templates.extend(t.headers.values().map(String::as_str));
        }
        let field_names: Vec<&str> = s
            .fields
            .iter()
            .chain(&s.optional_fields)
            .map(|f| f.as_str())
            .collect();
        p.vars
            .iter()
            .filter(|(name, spec)| {
                spec.default.is_none()
                    && !region_vars.is_some_and(|rv| rv.contains_key(*name))
                    && !field_names.contains(&name.as_str())
                    && templates.iter().any(|t| t.contains(&format!("{{{name}}}")))
            })
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Rows of the credentials form for the chosen method.
    pub fn form_rows(&self) -> Vec<FormRow> {
        let Some(s) = self.scheme() else {
            return Vec::new();
        };
        let mut rows: Vec<FormRow> = Vec::new();
        for f in &s.fields {
            rows.push(FormRow::Input {
                key: FormKey::Field(*f),
                required: true,
            });
        }
        // A variable only the test request uses is optional: the sign-in
        // works without it and the test step says what it skipped.
        let endpoint_templates: Vec<&str> = [
            &s.authorize_url,
            &s.token_url,
            &s.device_authorization_url,
            &s.signin_url,
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .chain(s.extra_headers.values().map(String::as_str))
        .collect();
        let (required_vars, optional_vars): (Vec<String>, Vec<String>) =
            self.missing_vars().into_iter().partition(|v| {
                endpoint_templates
                    .iter()
                    .any(|t| t.contains(&format!("{{{v}}}")))
            });
        for v in required_vars {
            rows.push(FormRow::Input {
                key: FormKey::Var(v),
                required: true,
            });
        }
        for f in &s.optional_fields {
            if !s.fields.contains(f) {
                rows.push(FormRow::Input {
                    key: FormKey::Field(*f),
                    required: false,
                });
            }
        }
        for v in optional_vars {
            rows.push(FormRow::Input {
                key: FormKey::Var(v),
                required: false,
            });
        }
        let has = |f: Field| s.fields.contains(&f) || s.optional_fields.contains(&f);
        if has(Field::ClientSecret) || has(Field::Password) {
            rows.push(FormRow::KeepSecret);
        }
        rows
    }

    /// The pick list the profile offers for `field`. Only for client
    /// credentials: the list needs a token, and that is the grant that can
    /// get one from what the form holds.
    pub fn lookup_for(&self, field: Field) -> Option<&Lookup> {
        if self.scheme()?.kind != SchemeKind::ClientCredentials {
            return None;
        }
        self.profile()?.lookups.iter().find(|l| l.field == field)
    }

    /// The focused form field, when it has a pick list.
    pub fn focused_lookup_field(&self) -> Option<Field> {
        match self.form_rows().get(self.creds.focus) {
            Some(FormRow::Input {
                key: FormKey::Field(f),
                ..
            }) if self.lookup_for(*f).is_some() => Some(*f),
            _ => None,
        }
    }

    /// The fetched choices matching what is typed in the field.
    pub fn lookup_choices(&self) -> Vec<&Choice> {
        let (LookupPhase::Ready(all), Some(f)) =
            (&self.creds.lookup.phase, self.creds.lookup.field)
        else {
            return Vec::new();
        };
        let typed = self.input_value(&FormKey::Field(f)).trim().to_lowercase();
        all.iter()
            .filter(|c| {
                typed.is_empty()
                    || c.label.to_lowercase().contains(&typed)
                    || c.value.to_lowercase().contains(&typed)
            })
            .collect()
    }

    /// Time left for the sign-in, counted down between the flow's reports.
    pub fn time_left(&self) -> Option<Duration> {
        let since = self.tick.saturating_sub(self.auth.remaining_tick);
        let elapsed = TICK.saturating_mul(u32::try_from(since).unwrap_or(u32::MAX));
        self.auth.remaining.map(|r| r.saturating_sub(elapsed))
    }

    pub fn input_value(&self, key: &FormKey) -> &str {
        self.creds.inputs.get(key).map_or("", |i| i.value())
    }

    /// What is wrong with one form value, in words; None when it is fine.
    pub fn field_error(&self, key: &FormKey, required: bool) -> Option<String> {
        let v = self.input_value(key).trim();
        if v.is_empty() {
            return (required && self.creds.attempted).then(|| "required".to_string());
        }
        match key {
            FormKey::Field(
                f @ (Field::CallbackUrl
                | Field::Issuer
                | Field::AuthorizeUrl
                | Field::TokenUrl
                | Field::ServiceRoot),
            ) => crate::provider::check_url(field_label(*f), v)
                .err()
                .map(|e| match e {
                    EndpointError::InsecureHttp { .. } => {
                        "use https (plain http only on localhost / 127.0.0.1)".to_string()
                    }
                    EndpointError::Scheme { .. } => "must start with https://".to_string(),
                    EndpointError::Invalid { reason, .. } => format!("not a URL: {reason}"),
                }),
            FormKey::Field(Field::EventId) if !v.chars().all(|c| c.is_ascii_alphanumeric()) => {
                Some("an event id is letters and digits only".to_string())
            }
            FormKey::Field(f) if v.chars().any(char::is_whitespace) && !f.is_secret() => {
                Some("contains spaces: check the paste".to_string())
            }
            _ => None,
        }
    }

    /// True when the row needs the user's attention (empty and required, or wrong).
    pub fn row_invalid(&self, row: &FormRow) -> bool {
        match row {
            FormRow::Input { key, required } => {
                (*required && self.input_value(key).trim().is_empty())
                    || self.field_error(key, *required).is_some()
            }
            FormRow::KeepSecret => false,
        }
    }

    /// True when every row validates (Enter then submits).
    pub fn form_valid(&self) -> bool {
        self.form_rows().iter().all(|r| !self.row_invalid(r))
    }

    pub fn scope_access_label(a: Access) -> &'static str {
        match a {
            Access::Read => "read",
            Access::Write => "write",
            Access::Delete => "delete",
            Access::Other => "",
        }
    }
}

/// Human label for a field.
pub fn field_label(f: Field) -> &'static str {
    match f {
        Field::ClientId => "Client ID",
        Field::ClientSecret => "Client secret",
        Field::CallbackUrl => "Callback URL",
        Field::OrgId => "API Org ID",
        Field::Username => "Username",
        Field::Password => "Password",
        Field::EventId => "Event ID",
        Field::Token => "Token",
        Field::Issuer => "Issuer URL",
        Field::AuthorizeUrl => "Authorize URL",
        Field::TokenUrl => "Token URL",
        Field::ServiceRoot => "Service root URL",
    }
}

pub fn form_label(key: &FormKey) -> String {
    match key {
        FormKey::Field(f) => field_label(*f).to_string(),
        FormKey::Var(v) => v.replace('_', " "),
    }
}

pub fn is_secret(key: &FormKey) -> bool {
    matches!(key, FormKey::Field(f) if f.is_secret())
}
