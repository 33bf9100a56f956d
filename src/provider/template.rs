//! `{var}` templates in profiles, and the lookups (scheme, region, preset,
//! variables) every caller needs before it can render one.
//!
//! The syntax is deliberately tiny: `{name}` with `name` made of ASCII letters,
//! digits and `_`. Anything else between braces is an error rather than
//! literal text, so a typo in a profile fails loudly at load time instead of
//! producing a URL with braces in it.

use super::error::ProviderError;
use super::types::{Access, Profile, Region, Scheme};
use std::collections::BTreeMap;

/// One piece of a parsed template.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    Text(&'a str),
    Var(&'a str),
}

/// Splits `template` into text and `{var}` pieces.
pub(crate) fn parse(template: &str) -> Result<Vec<Piece<'_>>, ProviderError> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        if rest.as_bytes()[open] == b'}' {
            return Err(bad(template, "`}` without a matching `{`"));
        }
        if open > 0 {
            pieces.push(Piece::Text(&rest[..open]));
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| bad(template, "`{` is never closed"))?;
        let name = &after[..close];
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(bad(
                template,
                &format!("`{{{name}}}` is not a variable name (letters, digits and _ only)"),
            ));
        }
        pieces.push(Piece::Var(name));
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    Ok(pieces)
}

fn bad(template: &str, reason: &str) -> ProviderError {
    ProviderError::BadTemplate {
        template: template.to_string(),
        reason: reason.to_string(),
    }
}

/// Names of the variables `template` uses, in order of appearance.
pub fn placeholders(template: &str) -> Result<Vec<&str>, ProviderError> {
    Ok(parse(template)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Var(v) => Some(v),
            Piece::Text(_) => None,
        })
        .collect())
}

/// Replaces every `{name}` in `template` with `vars[name]`.
///
/// A value ending in `/` followed by a template `/` keeps only one slash: users
/// paste hosts as `https://host/` and `{host}/ea/...` must still give a clean
/// path (some servers treat `//ea` as a different route).
pub fn render(template: &str, vars: &BTreeMap<String, String>) -> Result<String, ProviderError> {
    render_with(template, vars, |_| None)
}

pub(crate) fn render_with<'h>(
    template: &str,
    vars: &BTreeMap<String, String>,
    hint: impl Fn(&str) -> Option<&'h str>,
) -> Result<String, ProviderError> {
    let mut out = String::with_capacity(template.len() + 32);
    for piece in parse(template)? {
        match piece {
            Piece::Text(t) => {
                if out.ends_with('/') && t.starts_with('/') {
                    out.push_str(&t[1..]);
                } else {
                    out.push_str(t);
                }
            }
            Piece::Var(name) => match vars.get(name) {
                Some(v) if !v.trim().is_empty() => out.push_str(v.trim()),
                _ => {
                    return Err(ProviderError::MissingVar {
                        name: name.to_string(),
                        hint: hint(name).map(str::to_string),
                    });
                }
            },
        }
    }
    Ok(out)
}

fn known(ids: impl Iterator<Item = impl AsRef<str>>) -> String {
    ids.map(|s| s.as_ref().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Profile {
    /// The scheme named `id`, or the first (default) scheme.
    pub fn scheme(&self, id: Option<&str>) -> Result<&Scheme, ProviderError> {
        match id {
            None => self
                .schemes
                .first()
                .ok_or_else(|| ProviderError::NoSchemes {
                    profile: self.id.clone(),
                }),
            Some(id) => self
                .schemes
                .iter()
                .find(|s| s.answers_to(id))
                .ok_or_else(|| ProviderError::UnknownScheme {
                    profile: self.id.clone(),
                    id: id.to_string(),
                    known: known(self.schemes.iter().map(|s| &s.id)),
                }),
        }
    }

    /// The region named `id`, or the first (default) region; `Ok(None)` when
    /// the profile has no regions and none was asked for.
    pub fn region(&self, id: Option<&str>) -> Result<Option<&Region>, ProviderError> {
        match id {
            None => Ok(self.regions.first()),
            Some(id) => self
                .regions
                .iter()
                .find(|r| r.id.eq_ignore_ascii_case(id))
                .map(Some)
                .ok_or_else(|| ProviderError::UnknownRegion {
                    profile: self.id.clone(),
                    id: id.to_string(),
                    known: if self.regions.is_empty() {
                        "none (this provider is not split by region)".to_string()
                    } else {
                        known(self.regions.iter().map(|r| &r.id))
                    },
                }),
        }
    }

    /// The scopes a preset selects, with `all` / `read_only` expanded against
    /// the profile's scope list. None when there is no such preset.
    pub fn preset_scopes(&self, preset_id: &str) -> Option<Vec<String>> {
        let preset = self
            .scope_presets
            .iter()
            .find(|p| super::types::same_id(&p.id, preset_id))?;
        let names = if preset.all {
            self.scopes.iter().map(|s| s.name.clone()).collect()
        } else if preset.read_only {
            self.scopes
                .iter()
                .filter(|s| s.access == Access::Read)
                .map(|s| s.name.clone())
                .collect()
        } else {
            preset.scopes.clone()
        };
        Some(names)
    }

    /// Variable defaults overlaid by `region`'s values. Variables without a
    /// default are absent: the user must supply them.
    pub fn base_vars(&self, region: Option<&Region>) -> BTreeMap<String, String> {
        let mut vars: BTreeMap<String, String> = self
            .vars
            .iter()
            .filter_map(|(k, v)| v.default.clone().map(|d| (k.clone(), d)))
            .collect();
        if let Some(region) = region {
            vars.extend(region.vars.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        vars
    }

    /// [`render`], with the profile's variable description as the hint when a
    /// variable is missing.
    pub fn render(
        &self,
        template: &str,
        vars: &BTreeMap<String, String>,
    ) -> Result<String, ProviderError> {
        render_with(template, vars, |name| {
            self.vars.get(name).map(|v| v.description.as_str())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn replaces_and_collapses_double_slash() {
        let v = vars(&[("host", "http://127.0.0.1:9/")]);
        assert_eq!(
            render("{host}/ea/token", &v).unwrap(),
            "http://127.0.0.1:9/ea/token"
        );
        let v = vars(&[("base", "https://api.inevent.com/")]);
        assert_eq!(
            render("{base}?action=person.get", &v).unwrap(),
            "https://api.inevent.com/?action=person.get"
        );
    }

    #[test]
    fn missing_and_blank_vars_are_named() {
        let err = render("{a}/{b}", &vars(&[("a", "x"), ("b", "  ")])).unwrap_err();
        assert!(err.to_string().contains("`b`"), "{err}");
    }

    #[test]
    fn malformed_placeholders_fail() {
        for t in ["{host", "host}", "{}", "{ho st}", "{a-b}"] {
            assert!(parse(t).is_err(), "{t}");
        }
        assert_eq!(placeholders("{a}x{b_1}").unwrap(), vec!["a", "b_1"]);
        assert_eq!(
            parse("x/$metadata?page[size]=1").unwrap(),
            vec![Piece::Text("x/$metadata?page[size]=1")]
        );
    }
}
