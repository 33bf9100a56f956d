//! Drawing the form, its inline messages and the open pick list.

use super::form::{field_error, form_label, form_rows, is_secret};
use super::lookup::{self, LookupPhase, noun};
use super::{FormKey, FormRow};
use crate::provider::Field;
use crate::tui::action::Choice;
use crate::tui::layout;
use crate::tui::state::State;
use crate::tui::widgets::field::{self, FieldView};
use crate::tui::widgets::{Hint, list, spinner, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

const LABEL_W: u16 = 22;

fn placeholder(state: &State, key: &FormKey) -> String {
    match key {
        FormKey::Field(Field::ClientSecret | Field::Token) => "paste it here (hidden)".into(),
        FormKey::Field(Field::Password) => "type or paste (hidden)".into(),
        FormKey::Field(Field::CallbackUrl) => "empty = a free loopback port".into(),
        FormKey::Field(Field::ServiceRoot) => "https://example.com/odata/".into(),
        FormKey::Field(Field::Issuer) => "https://login.example.com/".into(),
        FormKey::Field(
            Field::ClientId
            | Field::OrgId
            | Field::Username
            | Field::EventId
            | Field::AuthorizeUrl
            | Field::TokenUrl,
        ) => "paste it here".into(),
        // The sign-in falls back to the issuer's OpenID userinfo endpoint.
        FormKey::Var(v) if v == "test_url" && state.scheme().is_some_and(|s| s.discovery) => {
            "empty = the issuer's userinfo endpoint, if it has one".into()
        }
        FormKey::Var(v) => state
            .profile()
            .and_then(|p| p.vars.get(v))
            .map(|spec| match (&spec.default, &spec.example) {
                // An asked variable with a default: say what empty means.
                (Some(d), Some(e)) => format!("empty = {d}; or e.g. {e}"),
                (Some(d), None) => format!("empty = {d}"),
                (None, Some(e)) => format!("{} (e.g. {e})", spec.description),
                (None, None) => spec.description.clone(),
            })
            .unwrap_or_default(),
    }
}

pub(super) fn render(frame: &mut Frame, inner: Rect, state: &State) {
    let theme = &state.theme;
    let rows = form_rows(state);
    let band = layout::band(inner, 0, inner.height.saturating_sub(1));
    frame.render_widget(
        Paragraph::new(Span::styled(
            truncate(
                "Paste the values from the app's page. Enter: next empty field, then on.",
                usize::from(band.width),
            ),
            theme.dim(),
        )),
        band,
    );
    let area = layout::creds_rows(inner);
    let per = layout::FORM_ROW_HEIGHT;
    let visible = (area.height / per) as usize;
    let focus = state.creds.focus.min(rows.len().saturating_sub(1));
    let off = list::offset(rows.len(), focus, visible);
    let mut focused_line = None;
    for (slot, (i, row)) in rows.iter().enumerate().skip(off).take(visible).enumerate() {
        let y = area.y + slot as u16 * per;
        let line = Rect {
            y,
            height: 1,
            ..area
        };
        let msg = Rect {
            y: y + 1,
            height: 1,
            ..area
        };
        let focused = i == focus;
        if focused {
            focused_line = Some(line);
        }
        match row {
            FormRow::Input { key, required } => {
                input_row(frame, (line, msg), state, key, *required, focused);
            }
            FormRow::KeepSecret => keep_secret_row(frame, line, state, focused),
        }
    }
    if lookup::shown(state)
        && let Some(line) = focused_line
    {
        lookup_popup(frame, inner, line, state);
    }
}

/// One field: label, value, and the line under it (error, list state or
/// the reveal hint). `line` is the label/value row, `msg` the one below.
fn input_row(
    frame: &mut Frame,
    (line, msg): (Rect, Rect),
    state: &State,
    key: &FormKey,
    required: bool,
    focused: bool,
) {
    let theme = &state.theme;
    let marker = if focused { "›" } else { " " };
    let mut label = form_label(key);
    // An optional secret the issuer's metadata expects is not called optional.
    let expected = *key == FormKey::Field(Field::ClientSecret) && super::secret_expected(state);
    if !required && !expected {
        label.push_str(" (opt)");
    }
    let label_style = if focused {
        theme.focus()
    } else {
        ratatui::style::Style::new()
    };
    frame.render_widget(
        Paragraph::new(Span::styled(
            format!("{marker} {}", truncate(&label, LABEL_W as usize - 3)),
            label_style,
        )),
        Rect {
            width: LABEL_W.min(line.width),
            ..line
        },
    );
    let value_area = Rect {
        x: line.x + LABEL_W.min(line.width),
        width: line.width.saturating_sub(LABEL_W),
        ..line
    };
    let ph = placeholder(state, key);
    field::render(
        frame,
        value_area,
        FieldView {
            input: state.creds.inputs.get(key),
            masked: is_secret(key) && !state.creds.reveal,
            focused,
            placeholder: &ph,
        },
        theme,
    );
    let text = match field_error(state, key, required) {
        Some(e) => Span::styled(format!("✗ {e}"), theme.error()),
        // A value picked from the list keeps its name beside the ID.
        None if picked_label(state, key).is_some() => Span::styled(
            format!(
                "= {}{}",
                picked_label(state, key).unwrap_or_default(),
                if focused {
                    "  (Ctrl-L: pick another)"
                } else {
                    ""
                }
            ),
            theme.dim(),
        ),
        None if focused && lookup_field(state, key).is_some() => lookup_message(state, key),
        None if focused && asked_default(state, key) => Span::styled(
            state
                .profile()
                .and_then(|p| match key {
                    FormKey::Var(v) => p.vars.get(v),
                    FormKey::Field(_) => None,
                })
                .map(|spec| {
                    truncate(
                        &spec.description,
                        msg.width.saturating_sub(LABEL_W) as usize,
                    )
                })
                .unwrap_or_default(),
            theme.dim(),
        ),
        None if focused && is_secret(key) => Span::styled(
            if state.creds.reveal {
                "shown: Ctrl-R hides it"
            } else {
                "hidden: Ctrl-R shows it"
            },
            theme.dim(),
        ),
        None => Span::raw(""),
    };
    frame.render_widget(
        Paragraph::new(text),
        Rect {
            x: msg.x + LABEL_W.min(msg.width),
            width: msg.width.saturating_sub(LABEL_W),
            ..msg
        },
    );
}

/// The name of the listed choice whose ID is the field's value.
fn picked_label(state: &State, key: &FormKey) -> Option<String> {
    let field = lookup_field(state, key)?;
    let l = &state.creds.lookup;
    let LookupPhase::Ready(all) = &l.phase else {
        return None;
    };
    let v = state.creds.value(key).trim();
    (l.field == Some(field))
        .then(|| all.iter().find(|c| c.value == v))
        .flatten()
        .map(|c| crate::text::sanitize(&c.label, 80))
}

/// An empty variable the method asks for, whose default Enter would accept.
fn asked_default(state: &State, key: &FormKey) -> bool {
    matches!(key, FormKey::Var(v) if state.scheme().is_some_and(|s| s.ask_vars.contains(v)))
        && state.creds.value(key).trim().is_empty()
}

/// The "keep the secret" check box.
fn keep_secret_row(frame: &mut Frame, line: Rect, state: &State, focused: bool) {
    let theme = &state.theme;
    let marker = if focused { "›" } else { " " };
    let what = if state
        .scheme()
        .is_some_and(|s| s.fields.contains(&Field::Password))
    {
        "Keep the password (encrypted) so oauth-setup can sign in again by itself"
    } else {
        "Keep the client secret (encrypted) so tokens renew without you"
    };
    let style = if focused {
        theme.focus()
    } else {
        ratatui::style::Style::new()
    };
    frame.render_widget(
        Paragraph::new(Span::styled(
            truncate(
                &format!(
                    "{marker} [{}] {what}",
                    if state.creds.keep_secret { "x" } else { " " }
                ),
                line.width as usize,
            ),
            style,
        )),
        line,
    );
}

fn lookup_field(state: &State, key: &FormKey) -> Option<Field> {
    let FormKey::Field(f) = key else {
        return None;
    };
    lookup::lookup_for(state, *f).map(|_| *f)
}

/// The line under a field with a pick list: where the list stands.
fn lookup_message(state: &State, key: &FormKey) -> Span<'static> {
    let theme = &state.theme;
    let Some(field) = lookup_field(state, key) else {
        return Span::raw("");
    };
    let what = noun(field);
    let l = &state.creds.lookup;
    let here = l.field == Some(field);
    match &l.phase {
        LookupPhase::Loading if here => Span::styled(
            format!("{} listing the {what}…", spinner(state.tick)),
            theme.dim(),
        ),
        LookupPhase::Ready(all) if here => Span::styled(
            format!("Ctrl-L: pick from {} {what}", all.len()),
            theme.dim(),
        ),
        LookupPhase::Failed(_) if here => Span::styled(
            format!("could not list the {what}: type the ID (Ctrl-L tries again)"),
            theme.warn(),
        ),
        LookupPhase::Idle
        | LookupPhase::Loading
        | LookupPhase::Ready(_)
        | LookupPhase::Failed(_) => Span::styled(
            format!("Ctrl-L lists the {what} (after the client ID and secret)"),
            theme.dim(),
        ),
    }
}

/// The open pick list, under the field (or above it when there is no room).
fn lookup_popup(frame: &mut Frame, inner: Rect, line: Rect, state: &State) {
    let theme = &state.theme;
    let l = &state.creds.lookup;
    let Some(field) = l.field else { return };
    let what = noun(field);
    let choices = lookup::choices(state);
    let x = line.x + LABEL_W.min(line.width);
    let width = line.width.saturating_sub(LABEL_W).min(56);
    let failure = match &l.phase {
        LookupPhase::Failed(msg) => {
            let mut v = vec![Line::from(Span::styled(
                format!("✗ Could not list the {what}:"),
                theme.error(),
            ))];
            v.extend(
                wrap(msg, width.saturating_sub(2) as usize)
                    .into_iter()
                    .take(4)
                    .map(Line::from),
            );
            v.push(Line::from(Span::styled(
                "Type the ID instead. Ctrl-L tries again, Esc closes.",
                theme.dim(),
            )));
            Some(v)
        }
        LookupPhase::Idle | LookupPhase::Loading | LookupPhase::Ready(_) => None,
    };
    let body_rows: u16 = match (&failure, &l.phase) {
        (Some(lines), _) => lines.len() as u16,
        (None, LookupPhase::Ready(_)) => choices.len().clamp(1, 8) as u16,
        (None, LookupPhase::Idle | LookupPhase::Loading | LookupPhase::Failed(_)) => 1,
    };
    let below = inner.bottom().saturating_sub(line.y + 1);
    let above = line.y.saturating_sub(inner.y);
    let want = body_rows + 2;
    let (y, height) = if below >= want.min(4) || below >= above {
        (line.y + 1, want.min(below))
    } else {
        let h = want.min(above);
        (line.y - h, h)
    };
    if height < 3 || width < 12 {
        return;
    }
    let r = Rect::new(x, y, width, height);
    frame.render_widget(Clear, r);
    let title = format!(" {} ", capitalized(what));
    let block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .border_style(theme.accent());
    let inside = block.inner(r);
    frame.render_widget(block, r);
    let lines: Vec<Line> = match &l.phase {
        LookupPhase::Failed(_) => failure.unwrap_or_default(),
        LookupPhase::Ready(_) if choices.is_empty() => vec![Line::from(Span::styled(
            "none matches what is typed: Enter keeps it",
            theme.dim(),
        ))],
        LookupPhase::Ready(_) => choice_lines(state, &choices, inside),
        LookupPhase::Idle | LookupPhase::Loading => vec![Line::from(Span::styled(
            format!("{} asking for the {what}…", spinner(state.tick)),
            theme.dim(),
        ))],
    };
    frame.render_widget(Paragraph::new(lines), inside);
}

/// The visible choices, label left and value right, the cursor's highlighted.
fn choice_lines(state: &State, choices: &[&Choice], inside: Rect) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let rows = inside.height as usize;
    let cursor = state.creds.lookup.cursor.min(choices.len() - 1);
    let off = list::offset(choices.len(), cursor, rows);
    let value_w = choices
        .iter()
        .map(|c| c.value.chars().count())
        .max()
        .unwrap_or(0)
        .min(20);
    let label_w = (inside.width as usize).saturating_sub(value_w + 3);
    choices
        .iter()
        .enumerate()
        .skip(off)
        .take(rows)
        .map(|(i, c)| {
            let sel = i == cursor;
            let text = format!(
                "{} {:<label_w$} {:>value_w$}",
                if sel { "›" } else { " " },
                truncate(&c.label, label_w),
                truncate(&c.value, value_w)
            );
            let style = if sel {
                theme.selected()
            } else {
                ratatui::style::Style::new()
            };
            Line::from(Span::styled(text, style))
        })
        .collect()
}

/// Word-wraps `text` to `width` columns (long words are cut).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let need = cur.chars().count() + usize::from(!cur.is_empty()) + word.chars().count();
        if !cur.is_empty() && need > width {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(&truncate(word, width));
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

pub(super) fn hints(state: &State) -> Vec<Hint> {
    if lookup::shown(state) {
        if matches!(state.creds.lookup.phase, LookupPhase::Failed(_)) {
            return vec![("type", "the ID"), ("^L", "try again"), ("Esc", "close")];
        }
        return vec![
            ("↑↓", "choose"),
            ("Enter", "pick"),
            ("type", "filter / own value"),
            ("Esc", "close list"),
        ];
    }
    let mut h = vec![("Tab", "next field"), ("Enter", "next")];
    if lookup::focused_field(state).is_some() {
        h.push(("^L", "list"));
        h.push(("Esc", "back"));
        return h;
    }
    let has_secret = form_rows(state).iter().any(|r| match r {
        FormRow::Input { key, .. } => is_secret(key),
        FormRow::KeepSecret => false,
    });
    if has_secret {
        h.push(("^R", "show/hide"));
    }
    h.push(("^U", "clear"));
    h.push(("Esc", "back"));
    h
}
