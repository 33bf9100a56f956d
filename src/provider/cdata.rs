//! CData connector contracts (`assets/cdata/*.toml`): per connector and
//! build, the documented connection properties (each with the CData page it
//! comes from), the allowed `AuthScheme` and `InitiateOAuth` values, and how
//! each of this tool's sign-in methods is spoken to the connector.
//! Checked when loaded: a contract that names a property it does not
//! document, or a value outside the closed sets below, is refused.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Every `AuthScheme` value any targeted CData connector documents. A
/// contract may list a subset; anything else is a typo.
pub const AUTH_SCHEMES: &[&str] = &[
    "None",
    "Basic",
    "Digest",
    "NTLM",
    "Negotiate",
    "OAuth",
    "OAuthClient",
    "OAuthPassword",
    "AzureAD",
    "SharePointOnline",
    "PrivateApp",
];

/// CData's `InitiateOAuth` values.
pub const INITIATE_OAUTH: &[&str] = &["OFF", "GETANDREFRESH", "REFRESH"];

const SOURCES: &[(&str, &str)] = &[
    ("cvent.toml", include_str!("../../assets/cdata/cvent.toml")),
    ("hubdb.toml", include_str!("../../assets/cdata/hubdb.toml")),
    ("odata.toml", include_str!("../../assets/cdata/odata.toml")),
    (
        "dynamics365.toml",
        include_str!("../../assets/cdata/dynamics365.toml"),
    ),
];

/// One connector's contract.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    /// `--connector` value (`odata`, `dynamics365`).
    pub id: String,
    /// CData's name for it.
    pub connector: String,
    /// The provider profile it serves.
    pub serves: String,
    /// The build the seed documents, used unless `--connector-build` says.
    pub default_build: u32,
    /// Which source document the default comes from.
    pub seed: String,
    /// Host patterns (`crm*.dynamics.com`) of services it is made for.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// What the connector does for a region it has no property for.
    #[serde(default)]
    pub region_notes: BTreeMap<String, String>,
    /// Properties whose value the user picks (Dynamics 365's `Edition`).
    #[serde(default)]
    pub options: BTreeMap<String, Choice>,
    pub builds: Vec<Build>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub values: Vec<String>,
    pub source: String,
    #[serde(default)]
    pub required: bool,
}

/// A closed list of values with the page that lists them.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Values {
    pub values: Vec<String>,
    pub source: String,
}

/// A range of builds that document the same properties.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Build {
    pub first: u32,
    pub last: u32,
    /// CData product code(s) of these builds.
    pub product: String,
    /// The page a string for these builds is checked against.
    pub docs: String,
    /// Which page wins where pages disagree, and why.
    #[serde(default)]
    pub follows: Option<String>,
    #[serde(default)]
    pub auth_scheme: Option<Values>,
    pub initiate_oauth: Values,
    /// Property name → URL of the page documenting it.
    pub properties: BTreeMap<String, String>,
    /// Sign-in method (scheme id of the profile) → how it is spoken.
    pub methods: BTreeMap<String, Method>,
}

/// How one sign-in method is handed to the connector.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Method {
    #[serde(default)]
    pub auth_scheme: Option<String>,
    /// The property that carries the access (or static) token.
    #[serde(default = "access_token")]
    pub token_property: String,
    /// False for a static token: not an OAuth grant, no `InitiateOAuth`.
    #[serde(default = "yes")]
    pub initiate_oauth: bool,
    /// Properties always set (`OAuthVersion = "2.0"`).
    #[serde(default)]
    pub fixed: BTreeMap<String, String>,
    /// Property → settings variable (`service_root`), or `origin:VAR` for
    /// the scheme and host of a URL variable.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// Where a driver that renews on its own sends requests: the token and
    /// authorize URLs (generic OAuth; the connector knows Azure's).
    #[serde(default)]
    pub endpoints: bool,
    /// `CallbackURL` when the file has one (driver-run flows).
    #[serde(default)]
    pub callback: bool,
    /// How the scopes reach the driver's own token requests: `Scope`
    /// (space-separated) or `OAuthParams` (`scope=…`).
    #[serde(default)]
    pub scope: Option<String>,
    /// Present when the driver can fetch its own tokens as the app; the
    /// properties that select the client-credentials grant.
    #[serde(default)]
    pub app: Option<BTreeMap<String, String>>,
}

fn access_token() -> String {
    "OAuthAccessToken".into()
}

fn yes() -> bool {
    true
}

#[derive(Debug, thiserror::Error)]
#[error("CData contract assets/cdata/{file}: {problems}")]
pub struct ContractError {
    pub file: String,
    pub problems: String,
}

impl Contract {
    /// The build range holding `build`.
    pub fn build(&self, build: u32) -> Option<&Build> {
        self.builds
            .iter()
            .find(|b| (b.first..=b.last).contains(&build))
    }

    /// The builds documented, for messages (`20–23, 24–25`).
    pub fn builds_text(&self) -> String {
        self.builds
            .iter()
            .map(|b| {
                if b.first == b.last {
                    b.first.to_string()
                } else {
                    format!("{}–{}", b.first, b.last)
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// True when `host` matches one of [`Contract::hosts`] (`*` matches
    /// within one label: `crm*.dynamics.com` takes `crm4.dynamics.com`).
    pub fn made_for_host(&self, host: &str) -> bool {
        self.hosts.iter().any(|pat| host_matches(pat, host))
    }
}

/// `org.crm4.dynamics.com` against `crm*.dynamics.com`: the pattern matches
/// the host's last labels.
fn host_matches(pattern: &str, host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let p: Vec<&str> = pattern.split('.').collect();
    let h: Vec<&str> = host.split('.').collect();
    if h.len() <= p.len() {
        return false;
    }
    p.iter()
        .zip(&h[h.len() - p.len()..])
        .all(|(p, h)| match p.split_once('*') {
            Some((pre, post)) => {
                h.len() >= pre.len() + post.len() && h.starts_with(pre) && h.ends_with(post)
            }
            None => p == h,
        })
}

/// Parses and checks one contract.
pub fn parse(file: &str, src: &str) -> Result<Contract, ContractError> {
    let err = |problems: String| ContractError {
        file: file.to_string(),
        problems,
    };
    let c: Contract = toml::from_str(src).map_err(|e| err(e.message().to_string()))?;
    let problems = check(&c);
    if problems.is_empty() {
        Ok(c)
    } else {
        Err(err(problems.join("; ")))
    }
}

fn is_source(u: &str) -> bool {
    u.starts_with("https://cdn.cdata.com/help/")
}

fn is_name(p: &str) -> bool {
    p.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && p.chars().all(|c| c.is_ascii_alphanumeric())
}

fn check(c: &Contract) -> Vec<String> {
    let mut out = Vec::new();
    if c.build(c.default_build).is_none() {
        out.push(format!(
            "default_build {} is in no [[builds]] range",
            c.default_build
        ));
    }
    for (i, a) in c.builds.iter().enumerate() {
        if a.first > a.last {
            out.push(format!("builds {}–{}: first after last", a.first, a.last));
        }
        for b in &c.builds[i + 1..] {
            if a.first <= b.last && b.first <= a.last {
                out.push(format!(
                    "builds {}–{} and {}–{} overlap",
                    a.first, a.last, b.first, b.last
                ));
            }
        }
        check_build(c, a, &mut out);
    }
    for (name, choice) in &c.options {
        if !is_source(&choice.source) {
            out.push(format!("options.{name}: source must be a CData help page"));
        }
        if choice.values.is_empty() {
            out.push(format!("options.{name}: list its values"));
        }
        for b in &c.builds {
            if !b.properties.contains_key(name) {
                out.push(format!(
                    "options.{name} is not a documented property of builds {}–{}",
                    b.first, b.last
                ));
            }
        }
    }
    out
}

fn check_build(c: &Contract, b: &Build, out: &mut Vec<String>) {
    let at = format!("builds {}–{}", b.first, b.last);
    if !is_source(&b.docs) {
        out.push(format!("{at}: docs must be a CData help page"));
    }
    for (name, url) in &b.properties {
        if !is_name(name) {
            out.push(format!("{at}: `{name}` is not a property name"));
        }
        if !is_source(url) {
            out.push(format!("{at}: {name}: `{url}` is not a CData help page"));
        }
    }
    let documented = |p: &str| b.properties.contains_key(p);
    for v in &b.initiate_oauth.values {
        if !INITIATE_OAUTH.contains(&v.as_str()) {
            out.push(format!(
                "{at}: InitiateOAuth value `{v}` is not one of {INITIATE_OAUTH:?}"
            ));
        }
    }
    let schemes = b
        .auth_scheme
        .as_ref()
        .map(|a| a.values.as_slice())
        .unwrap_or(&[]);
    for v in schemes {
        if !AUTH_SCHEMES.contains(&v.as_str()) {
            out.push(format!(
                "{at}: AuthScheme value `{v}` is not one of {AUTH_SCHEMES:?}"
            ));
        }
    }
    if b.auth_scheme.is_some() != documented("AuthScheme") {
        out.push(format!(
            "{at}: [auth_scheme] values and an AuthScheme property go together"
        ));
    }
    for (id, m) in &b.methods {
        let mut used: Vec<&str> = vec![m.token_property.as_str()];
        used.extend(m.fixed.keys().map(String::as_str));
        used.extend(m.vars.keys().map(String::as_str));
        used.extend(m.app.iter().flat_map(|a| a.keys().map(String::as_str)));
        used.extend(m.scope.as_deref());
        if m.initiate_oauth {
            used.push("InitiateOAuth");
        }
        if m.endpoints {
            used.extend([
                "OAuthAccessTokenURL",
                "OAuthRefreshTokenURL",
                "OAuthAuthorizationURL",
            ]);
        }
        if m.callback {
            used.push("CallbackURL");
        }
        for p in used {
            if !documented(p) {
                out.push(format!(
                    "{at}: methods.{id} uses `{p}`, which these builds do not document"
                ));
            }
        }
        if let Some(s) = &m.scope
            && s != "Scope"
            && s != "OAuthParams"
        {
            out.push(format!(
                "{at}: methods.{id}.scope must be Scope or OAuthParams"
            ));
        }
        let scheme_values = m
            .auth_scheme
            .iter()
            .chain(m.app.iter().flat_map(|a| a.get("AuthScheme")));
        for v in scheme_values {
            if !schemes.contains(v) {
                out.push(format!(
                    "{at}: methods.{id}: AuthScheme `{v}` is not documented for these builds"
                ));
            }
        }
        if m.auth_scheme.is_some() && b.auth_scheme.is_none() {
            out.push(format!(
                "{at}: methods.{id} sets AuthScheme, which these builds do not have"
            ));
        }
    }
    let _ = c;
}

/// The builtin contracts, parsed and checked once. A broken one is a
/// packaging bug (a test parses them all).
pub fn contracts() -> &'static [Contract] {
    static CELL: OnceLock<Vec<Contract>> = OnceLock::new();
    CELL.get_or_init(|| {
        SOURCES
            .iter()
            .map(|(file, src)| match parse(file, src) {
                Ok(c) => c,
                Err(e) => panic!("{e}"),
            })
            .collect()
    })
}

/// The contracts that serve provider `id`, the default first.
pub fn for_provider(id: &str) -> Vec<&'static Contract> {
    contracts().iter().filter(|c| c.serves == id).collect()
}

/// The contract `--connector ID` names.
pub fn by_id(id: &str) -> Option<&'static Contract> {
    contracts().iter().find(|c| c.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_contracts_load() {
        for (file, src) in SOURCES {
            parse(file, src).unwrap();
        }
        assert_eq!(for_provider("odata")[0].id, "odata");
    }

    #[test]
    fn closed_sets_and_undocumented_properties_are_refused() {
        let src =
            SOURCES[2]
                .1
                .replacen("auth_scheme = \"AzureAD\"", "auth_scheme = \"AzureAd\"", 1);
        let e = parse("odata.toml", &src).unwrap_err().to_string();
        assert!(e.contains("AuthScheme `AzureAd`"), "{e}");
        let src = SOURCES[0]
            .1
            .replacen("\"REFRESH\"]", "\"REFRESH\", \"ALWAYS\"]", 1);
        let e = parse("cvent.toml", &src).unwrap_err().to_string();
        assert!(e.contains("InitiateOAuth value `ALWAYS`"), "{e}");
        let src = SOURCES[0]
            .1
            .replacen("scope = \"Scope\"", "scope = \"OAuthParams\"", 1);
        let e = parse("cvent.toml", &src).unwrap_err().to_string();
        assert!(e.contains("uses `OAuthParams`"), "{e}");
        let src = SOURCES[1]
            .1
            .replacen("default_build = 24", "default_build = 23", 1);
        let e = parse("hubdb.toml", &src).unwrap_err().to_string();
        assert!(e.contains("default_build 23"), "{e}");
    }

    #[test]
    fn dynamics_hosts() {
        let d = by_id("dynamics365").unwrap();
        assert!(d.made_for_host("contoso.crm.dynamics.com"));
        assert!(d.made_for_host("contoso.crm4.dynamics.com"));
        assert!(!d.made_for_host("crm.dynamics.com"));
        assert!(!d.made_for_host("contoso.dynamics.com.evil.test"));
    }
}
