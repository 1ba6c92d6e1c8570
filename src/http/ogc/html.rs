//! HTML renderings of the OGC API – Features resources.
//!
//! Owns turning a resource's JSON representation (landing page, conformance,
//! collections, one collection, items, one item, queryables) into a complete,
//! self-contained HTML5 page for a person exploring the API in a browser:
//! inline CSS, no scripts, no external assets, so the pages work offline.
//!
//! It reads only [`serde_json::Value`]s, renders whatever members are present
//! and never panics on a missing or mistyped one. All text and attribute
//! values go through [`maud`], which escapes them. Links whose media type is
//! JSON also get an HTML variant (the same href with `f=html`).
//!
//! It must not import the domain (`zone`, `geodata`, `query`) or axum: the
//! handlers build the JSON resource, then call [`render`] with the same value.

use std::fmt::Write as _;

use maud::{Markup, PreEscaped, html};
use serde_json::{Map, Value};

/// Which resource a page shows.
///
/// # Examples
///
/// ```
/// use dezone::http::ogc::html::{Page, render};
///
/// let page = render(Page::Conformance, &serde_json::json!({"conformsTo": []}));
/// assert!(page.contains(">Conformance</h1>"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    /// `GET /`
    Landing,
    /// `GET /conformance`
    Conformance,
    /// `GET /collections`
    Collections,
    /// `GET /collections/{id}`
    Collection,
    /// `GET /collections/{id}/items`
    Items,
    /// `GET /collections/{id}/items/{item}`
    Item,
    /// `GET /collections/{id}/queryables`
    Queryables,
}

/// Renders a resource's JSON representation as a complete HTML page.
///
/// The page is an HTML5 document with inline CSS and no scripts. Every link in
/// the resource's `links` (and in each collection's and feature's `links`)
/// becomes an `<a href>`; hrefs are used as given, relative or absolute, and a
/// JSON link also gets its `f=html` variant. The header and breadcrumbs use
/// root-relative paths (`/?f=html`, `/collections?f=html`, …); see
/// [`render_under`] for a service under a path. Missing members are skipped.
///
/// # Examples
///
/// ```
/// use dezone::http::ogc::html::{Page, render};
/// use serde_json::json;
///
/// let page = render(
///     Page::Landing,
///     &json!({
///         "title": "dezone",
///         "links": [{"href": "/collections", "rel": "data", "type": "application/json"}],
///     }),
/// );
/// assert!(page.starts_with("<!doctype html>"));
/// assert!(page.contains(r#"href="/collections""#));
/// assert!(page.contains(r#"href="/collections?f=html""#));
/// ```
#[must_use]
pub fn render(page: Page, resource: &Value) -> String {
    let view = match page {
        Page::Landing => landing(resource),
        Page::Conformance => conformance(resource),
        Page::Collections => collections(resource),
        Page::Collection => collection(resource),
        Page::Items => items(resource),
        Page::Item => item(resource),
        Page::Queryables => queryables(resource),
    };
    layout(&view, &attributions(page, resource)).into_string()
}

/// As [`render`], for a service whose links start with `base_url`
/// (`https://maps.example.org/dezone`, as `--base-url` sets it): the
/// root-relative links of the header, the breadcrumbs and the tables then
/// start with the base URL's path, so that they work behind a proxy that
/// serves the service under it. A base URL without a path changes nothing.
///
/// # Examples
///
/// ```
/// use dezone::http::ogc::html::{Page, render_under};
/// use serde_json::json;
///
/// let resource = json!({"title": "dezone", "links": []});
/// let page = render_under(Page::Landing, &resource, "https://maps.example.org/dezone/");
/// assert!(page.contains(r#"href="/dezone/map""#));
/// assert!(!page.contains(r#"href="/map""#));
/// let page = render_under(Page::Landing, &resource, "http://127.0.0.1:8080");
/// assert!(page.contains(r#"href="/map""#));
/// ```
#[must_use]
pub fn render_under(page: Page, resource: &Value, base_url: &str) -> String {
    let html = render(page, resource);
    let path = base_path(base_url);
    if path.is_empty() {
        return html;
    }
    let path = path
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    html.replace("href=\"/", &format!("href=\"{path}/"))
}

/// The path of `base_url` without its last `/`: `/dezone` for
/// `https://maps.example.org/dezone/`, empty for `http://127.0.0.1:8080`
/// or an empty base URL.
pub(crate) fn base_path(base_url: &str) -> &str {
    let rest = base_url.split_once("://").map_or(base_url, |(_, rest)| {
        rest.find('/').map_or("", |i| &rest[i..])
    });
    let path = &rest[..rest.find(['?', '#']).unwrap_or(rest.len())];
    path.trim_end_matches('/')
}

/// The service name shown in the header and the `<title>`.
const SERVICE: &str = "dezone";

/// Longest text (in characters) shown in an items-table cell; the full text
/// is in the cell's `title` and on the item page.
const CELL_MAX_CHARS: usize = 80;

/// Relations whose JSON target has no HTML rendering in this service.
const NO_HTML_RELS: [&str; 4] = ["service-desc", "describedby", "license", "enclosure"];

/// The page's inline style sheet: system fonts, readable measure, tables that
/// scroll sideways on a phone, light and dark schemes.
const CSS: &str = "
:root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fff;--muted:#5c5c5c;--line:#d6d6d6;--accent:#0b57d0;--band:#f3f5f8}
@media (prefers-color-scheme:dark){:root{--fg:#e8e8e8;--bg:#121212;--muted:#a8a8a8;--line:#3a3a3a;--accent:#8ab4f8;--band:#1e2227}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans Arabic',sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer,nav.crumbs{max-width:72rem;margin:0 auto;padding:0 1rem}
header{padding-top:.75rem;padding-bottom:.75rem;border-bottom:1px solid var(--line)}
.brand{font-weight:700;font-size:1.25rem;text-decoration:none}
a{color:var(--accent)}
a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:.5rem;background:var(--bg);padding:.25rem .5rem}
nav.crumbs ol{list-style:none;margin:.5rem auto;padding:0;display:flex;flex-wrap:wrap;gap:.25rem;color:var(--muted)}
nav.crumbs li+li::before{content:'\\203A';margin-right:.25rem}
h1{font-size:1.6rem;line-height:1.25;margin:1rem 0 .5rem}
h2{font-size:1.25rem;margin:1.5rem 0 .5rem}
h3{font-size:1.05rem;margin:1rem 0 .25rem}
p.lead{font-size:1.05rem;max-width:50rem}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.5rem 0;font-size:.95rem}
th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:start;vertical-align:top}
thead th{background:var(--band);white-space:nowrap}
td.num{text-align:end;font-variant-numeric:tabular-nums}
dl{display:grid;grid-template-columns:minmax(8rem,max-content) 1fr;gap:.25rem 1rem;margin:.5rem 0}
dt{font-weight:600;overflow-wrap:anywhere}
dd{margin:0;overflow-wrap:anywhere}
dd dl{grid-template-columns:max-content 1fr;font-size:.95rem}
@media (max-width:40rem){dl{grid-template-columns:1fr}dd{margin-left:1rem}}
ul.plain{padding-left:1.2rem;margin:.25rem 0}
code{font-size:.9em;overflow-wrap:anywhere}
.muted,small{color:var(--muted)}
nav.pager{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;margin:.75rem 0}
nav.pager a.button{display:inline-block;padding:.4rem .9rem;border:2px solid var(--accent);border-radius:.4rem;font-weight:600;text-decoration:none}
article.collection{border-top:1px solid var(--line);margin-top:1rem}
footer{margin-top:2rem;padding-top:.75rem;padding-bottom:2rem;border-top:1px solid var(--line);font-size:.9rem;color:var(--muted)}
";

/// What a page puts inside the common layout.
struct View {
    /// The page heading's text, also used in `<title>`.
    title: String,
    /// Breadcrumbs after "Home"; the last one is the current page.
    crumbs: Vec<Crumb>,
    /// The content of `<main>`.
    body: Markup,
}

/// One breadcrumb: a label and, unless it is the current page, a link.
struct Crumb {
    label: String,
    href: Option<String>,
}

impl Crumb {
    fn link(label: impl Into<String>, href: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            href: Some(href.into()),
        }
    }

    fn here(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            href: None,
        }
    }
}

/// One member of a `links` array; only `href` is required.
struct Link<'a> {
    href: &'a str,
    rel: Option<&'a str>,
    media_type: Option<&'a str>,
    title: Option<&'a str>,
    hreflang: Option<&'a str>,
    /// Whether the same `links` array already lists this link's HTML view.
    html_listed: bool,
}

impl Link<'_> {
    /// The same target with `f=html`, when the target is JSON and one of
    /// the OGC resources this service renders as a page.
    fn html_variant(&self) -> Option<String> {
        let json = self
            .media_type
            .is_some_and(|t| t.to_ascii_lowercase().contains("json"));
        let rel_ok = self.rel.is_none_or(|rel| !NO_HTML_RELS.contains(&rel));
        (json && rel_ok && safe_href(self.href) && is_ogc_resource(self.href))
            .then(|| with_html_format(self.href))
    }

    /// The HTML view to offer beside the link: none when the links already
    /// list it on their own.
    fn offered_html(&self) -> Option<String> {
        if self.html_listed {
            None
        } else {
            self.html_variant()
        }
    }

    /// The text of the anchor: the title, else the href.
    fn label(&self) -> &str {
        self.title.filter(|t| !t.is_empty()).unwrap_or(self.href)
    }
}

// ---------------------------------------------------------------- layout

/// Wraps a view in the HTML5 document shared by every page.
fn layout(view: &View, attributions: &[&str]) -> Markup {
    html! {
        (PreEscaped("<!doctype html>\n"))
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title {
                    (view.title)
                    @if view.title != SERVICE { " – " (SERVICE) }
                }
                style { (PreEscaped(CSS)) }
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header {
                    a.brand href="/?f=html" { (SERVICE) }
                    " "
                    span.muted { "Syrian de-escalation zones · OGC API – Features" }
                    " · "
                    a href="/map" { "Map" }
                }
                (breadcrumbs(&view.crumbs))
                main #main { (view.body) }
                footer {
                    @for attribution in attributions {
                        p.attribution dir="auto" { "Data: " (attribution) }
                    }
                    p { a href="/?f=html" { (SERVICE) } " · OGC API – Features" }
                }
            }
        }
    }
}

/// The breadcrumb trail: Home, then the view's crumbs.
fn breadcrumbs(crumbs: &[Crumb]) -> Markup {
    html! {
        nav.crumbs aria-label="breadcrumb" {
            ol {
                @if crumbs.is_empty() {
                    li { span aria-current="page" { "Home" } }
                } @else {
                    li { a href="/?f=html" { "Home" } }
                }
                @for crumb in crumbs {
                    li {
                        @if let Some(href) = &crumb.href {
                            a href=(href) dir="auto" { (crumb.label) }
                        } @else {
                            span aria-current="page" dir="auto" { (crumb.label) }
                        }
                    }
                }
            }
        }
    }
}

/// Crumbs down to a collection: Collections › `id` (linked).
fn collection_crumbs(id: Option<&str>) -> Vec<Crumb> {
    let mut crumbs = vec![Crumb::link("Collections", "/collections?f=html")];
    if let Some(id) = id {
        crumbs.push(Crumb::link(
            id,
            format!("/collections/{}?f=html", encode_segment(id)),
        ));
    }
    crumbs
}

/// The distinct `attribution` strings of the resource and, for lists, of its
/// collections or features, in order of first appearance.
fn attributions(page: Page, resource: &Value) -> Vec<&str> {
    let mut candidates: Vec<Option<&Value>> = vec![resource.get("attribution")];
    match page {
        Page::Collections => {
            candidates.extend(
                array(resource, "collections")
                    .iter()
                    .map(|c| c.get("attribution")),
            );
        }
        Page::Items => candidates.extend(
            array(resource, "features")
                .iter()
                .map(|f| f.get("properties").and_then(|p| p.get("attribution"))),
        ),
        Page::Item => candidates.push(
            resource
                .get("properties")
                .and_then(|p| p.get("attribution")),
        ),
        Page::Landing | Page::Conformance | Page::Collection | Page::Queryables => {}
    }
    let mut found: Vec<&str> = Vec::new();
    for text in candidates.into_iter().flatten().filter_map(Value::as_str) {
        if !text.trim().is_empty() && !found.contains(&text) {
            found.push(text);
        }
    }
    found
}

// ---------------------------------------------------------------- pages

/// `GET /`: title, description and the links grouped by relation.
fn landing(resource: &Value) -> View {
    let title = text(resource, "title").unwrap_or(SERVICE).to_owned();
    let links = links(resource);
    let mut groups: Vec<(Option<&str>, Vec<&Link>)> = Vec::new();
    for link in &links {
        match groups.iter_mut().find(|(rel, _)| *rel == link.rel) {
            Some((_, members)) => members.push(link),
            None => groups.push((link.rel, vec![link])),
        }
    }
    let body = html! {
        h1 dir="auto" { (title) }
        (description(resource))
        @if !groups.is_empty() {
            h2 { "Links" }
            @for (rel, members) in &groups {
                section {
                    h3 {
                        (rel_label(*rel))
                        @if let Some(rel) = rel { " " small { code { (rel) } } }
                    }
                    ul.plain {
                        @for link in members { li { (link_inline(link)) } }
                    }
                }
            }
        }
    };
    View {
        title,
        crumbs: Vec::new(),
        body,
    }
}

/// `GET /conformance`: the conformance class URIs.
fn conformance(resource: &Value) -> View {
    let title = text(resource, "title").unwrap_or("Conformance").to_owned();
    let classes = array(resource, "conformsTo");
    let body = html! {
        h1 dir="auto" { (title) }
        (description(resource))
        p { "This service implements " (classes.len()) " conformance "
            (if classes.len() == 1 { "class" } else { "classes" }) "." }
        ul.plain {
            @for class in classes {
                li {
                    @match class.as_str() {
                        Some(uri) if safe_href(uri) => a href=(uri) { code { (uri) } },
                        Some(uri) => code { (uri) },
                        None => code { (class.to_string()) },
                    }
                }
            }
        }
        (links_section(resource))
    };
    View {
        title,
        crumbs: vec![Crumb::here("Conformance")],
        body,
    }
}

/// `GET /collections`: every collection with its extent and links.
fn collections(resource: &Value) -> View {
    let title = text(resource, "title").unwrap_or("Collections").to_owned();
    let list = array(resource, "collections");
    let body = html! {
        h1 dir="auto" { (title) }
        (description(resource))
        p { (list.len()) " " (if list.len() == 1 { "collection" } else { "collections" }) "." }
        @for c in list {
            @let id = text(c, "id");
            article.collection {
                h2 dir="auto" {
                    @if let Some(href) = collection_page_href(c) {
                        a href=(href) { (text(c, "title").or(id).unwrap_or("Collection")) }
                    } @else {
                        (text(c, "title").or(id).unwrap_or("Collection"))
                    }
                }
                (description(c))
                (items_buttons(c))
                (collection_facts(c))
                @let links = links(c);
                @if !links.is_empty() {
                    h3 { "Links" }
                    (links_table(&links))
                }
            }
        }
        (links_section(resource))
    };
    View {
        title,
        crumbs: vec![Crumb::here("Collections")],
        body,
    }
}

/// `GET /collections/{id}`: description, extent, CRS and links.
fn collection(resource: &Value) -> View {
    let id = text(resource, "id")
        .map(ToOwned::to_owned)
        .or_else(|| collection_id(resource));
    let title = text(resource, "title")
        .or(id.as_deref())
        .unwrap_or("Collection")
        .to_owned();
    let mut crumbs = vec![Crumb::link("Collections", "/collections?f=html")];
    crumbs.push(Crumb::here(id.as_deref().unwrap_or(&title)));
    let body = html! {
        h1 dir="auto" { (title) }
        (description(resource))
        (items_buttons(resource))
        h2 { "Details" }
        (collection_facts(resource))
        (links_section(resource))
    };
    View {
        title,
        crumbs,
        body,
    }
}

/// `GET /collections/{id}/items`: paging, then one table row per feature.
fn items(resource: &Value) -> View {
    let id = collection_id(resource);
    let title = text(resource, "title").map_or_else(
        || {
            id.as_ref()
                .map_or_else(|| "Items".to_owned(), |id| format!("Items in {id}"))
        },
        ToOwned::to_owned,
    );
    let mut crumbs = collection_crumbs(id.as_deref());
    crumbs.push(Crumb::here("Items"));
    let features = array(resource, "features");
    let links = links(resource);
    let body = html! {
        h1 dir="auto" { (title) }
        (description(resource))
        (paging_summary(resource, features.len()))
        (pager(&links))
        (features_table(features, id.as_deref()))
        (pager(&links))
        @if !links.is_empty() {
            h2 { "Links" }
            (links_table(&links))
        }
    };
    View {
        title,
        crumbs,
        body,
    }
}

/// `GET /collections/{id}/items/{item}`: every property, the geometry
/// summary and the links.
fn item(resource: &Value) -> View {
    let coll = collection_id(resource);
    let id = resource.get("id").and_then(id_text);
    let properties = resource.get("properties").and_then(Value::as_object);
    let name = properties.and_then(|p| {
        ["name", "title", "name_en"]
            .iter()
            .find_map(|k| p.get(*k).and_then(Value::as_str))
    });
    let title = name
        .map(ToOwned::to_owned)
        .or_else(|| id.clone())
        .unwrap_or_else(|| "Feature".to_owned());
    let mut crumbs = collection_crumbs(coll.as_deref());
    if let Some(coll) = &coll {
        crumbs.push(Crumb::link(
            "Items",
            format!("/collections/{}/items?f=html", encode_segment(coll)),
        ));
    }
    crumbs.push(Crumb::here(id.clone().unwrap_or_else(|| title.clone())));
    let body = html! {
        h1 dir="auto" { (title) }
        h2 { "Properties" }
        dl {
            @if let Some(id) = &id { dt { "id" } dd dir="auto" { code { (id) } } }
            @if let Some(properties) = properties {
                @for (key, value) in properties {
                    dt dir="auto" { (key) }
                    dd dir="auto" { (value_full(value, 0)) }
                }
            }
        }
        h2 { "Geometry" }
        (geometry_facts(resource))
        (links_section(resource))
    };
    View {
        title,
        crumbs,
        body,
    }
}

/// `GET /collections/{id}/queryables`: a table of the queryable properties.
fn queryables(resource: &Value) -> View {
    let coll = collection_id(resource);
    // The document's title is its collection's: the page says what of it
    // this is, so that it is not titled as the collection's page is.
    let title = text(resource, "title").map_or_else(
        || "Queryables".to_owned(),
        |collection| format!("Queryables of {collection}"),
    );
    let mut crumbs = collection_crumbs(coll.as_deref());
    crumbs.push(Crumb::here("Queryables"));
    let properties = resource.get("properties").and_then(Value::as_object);
    let body = html! {
        h1 dir="auto" { (title) }
        (description(resource))
        dl {
            @if let Some(uri) = text(resource, "$id") { dt { "Schema id" } dd { (uri_markup(uri)) } }
            @if let Some(uri) = text(resource, "$schema") { dt { "JSON Schema" } dd { (uri_markup(uri)) } }
            @if let Some(t) = resource.get("type") { dt { "Type" } dd { code { (type_text(t)) } } }
            @if let Some(extra) = resource.get("additionalProperties").and_then(Value::as_bool) {
                dt { "Other properties" }
                dd { (if extra { "allowed" } else { "not allowed" }) }
            }
        }
        @if let Some(properties) = properties {
            div.scroll {
                table {
                    caption { "Queryable properties" }
                    thead { tr {
                        th scope="col" { "Property" }
                        th scope="col" { "Type" }
                        th scope="col" { "Description" }
                    } }
                    tbody {
                        @for (name, schema) in properties {
                            tr {
                                th scope="row" dir="auto" { code { (name) } }
                                td { code { (schema_type(schema)) } }
                                td dir="auto" { (schema_description(schema)) }
                            }
                        }
                    }
                }
            }
        } @else {
            p { "No queryable properties are listed." }
        }
        (links_section(resource))
    };
    View {
        title,
        crumbs,
        body,
    }
}

// ---------------------------------------------------------------- pieces

/// The resource's `description`, if any, as a lead paragraph.
fn description(resource: &Value) -> Markup {
    html! {
        @if let Some(d) = text(resource, "description").filter(|d| !d.is_empty()) {
            p.lead dir="auto" { (d) }
        }
    }
}

/// A "Links" heading and table, when the resource has links.
fn links_section(resource: &Value) -> Markup {
    let links = links(resource);
    html! {
        @if !links.is_empty() {
            h2 { "Links" }
            (links_table(&links))
        }
    }
}

/// Links as a table: the anchor (titled), relation, media type, HTML view.
fn links_table(links: &[Link]) -> Markup {
    html! {
        div.scroll {
            table.links {
                thead { tr {
                    th scope="col" { "Link" }
                    th scope="col" { "Relation" }
                    th scope="col" { "Media type" }
                    th scope="col" { "HTML view" }
                } }
                tbody {
                    @for link in links {
                        tr {
                            td dir="auto" { (anchor(link)) }
                            td { @if let Some(rel) = link.rel { code { (rel) } } }
                            td { @if let Some(t) = link.media_type { code { (t) } } }
                            td { @if let Some(h) = link.offered_html() { a href=(h) { "HTML" } } }
                        }
                    }
                }
            }
        }
    }
}

/// One link on a line: the anchor, its relation and type, and the HTML view.
fn link_inline(link: &Link) -> Markup {
    html! {
        (anchor(link))
        @if link.rel.is_some() || link.media_type.is_some() {
            " " small {
                "("
                @if let Some(rel) = link.rel { (rel) }
                @if link.rel.is_some() && link.media_type.is_some() { ", " }
                @if let Some(t) = link.media_type { (t) }
                ")"
            }
        }
        @if let Some(h) = link.offered_html() { " · " a href=(h) { "HTML" } }
    }
}

/// The link's anchor, or plain text when the href has an unsafe scheme.
fn anchor(link: &Link) -> Markup {
    html! {
        @if safe_href(link.href) {
            a href=(link.href) type=[link.media_type] hreflang=[link.hreflang] { (link.label()) }
        } @else {
            (link.label()) " " code { (link.href) }
        }
    }
}

/// A URI as a link when it is safe to follow, else as code.
fn uri_markup(uri: &str) -> Markup {
    html! {
        @if safe_href(uri) { a href=(uri) { code { (uri) } } } @else { code { (uri) } }
    }
}

/// Prominent links to a collection's items (`rel=items`), HTML first.
fn items_buttons(collection: &Value) -> Markup {
    let links: Vec<Link> = links(collection)
        .into_iter()
        .filter(|l| l.rel == Some("items"))
        .collect();
    let html_link = links
        .iter()
        .find(|l| l.media_type.is_some_and(|t| t.contains("html")))
        .map(|l| l.href.to_owned())
        .or_else(|| links.iter().find_map(Link::html_variant));
    html! {
        @if !links.is_empty() {
            nav.pager aria-label="items" {
                @if let Some(href) = html_link.filter(|h| safe_href(h)) {
                    a.button href=(href) { "Browse the items" }
                }
                @for link in &links {
                    @if safe_href(link.href) {
                        a href=(link.href) type=[link.media_type] {
                            "Items as " (link.media_type.unwrap_or("data"))
                        }
                    }
                }
            }
        }
    }
}

/// Identifier, item type, extent and CRS of a collection as a list.
fn collection_facts(c: &Value) -> Markup {
    let extent = c.get("extent");
    let spatial = extent.and_then(|e| e.get("spatial"));
    let temporal = extent.and_then(|e| e.get("temporal"));
    let crs = c.get("crs").and_then(Value::as_array);
    html! {
        dl {
            @if let Some(id) = text(c, "id") { dt { "Identifier" } dd dir="auto" { code { (id) } } }
            @if let Some(t) = text(c, "itemType") { dt { "Item type" } dd { (t) } }
            @if let Some(spatial) = spatial {
                dt { "Spatial extent" }
                dd { (bbox_table(array(spatial, "bbox"))) }
                @if let Some(crs) = text(spatial, "crs") { dt { "Extent CRS" } dd { (uri_markup(crs)) } }
            }
            @if let Some(temporal) = temporal {
                dt { "Temporal extent" }
                dd { ul.plain {
                    @for interval in array(temporal, "interval") { li { (interval_text(interval)) } }
                } }
                @if let Some(trs) = text(temporal, "trs") { dt { "Temporal reference" } dd { (uri_markup(trs)) } }
            }
            @if let Some(crs) = crs {
                dt { "Coordinate reference systems" }
                dd { ul.plain { @for uri in crs { li { (uri_markup(&scalar_text(uri))) } } } }
            }
            @if let Some(storage) = text(c, "storageCrs") { dt { "Storage CRS" } dd { (uri_markup(storage)) } }
        }
    }
}

/// Bounding boxes as a table: west, south, east, north (and z when given).
fn bbox_table(boxes: &[Value]) -> Markup {
    let with_z = boxes
        .iter()
        .any(|b| b.as_array().is_some_and(|a| a.len() == 6));
    let heads: &[&str] = if with_z {
        &["West", "South", "Min z", "East", "North", "Max z"]
    } else {
        &["West", "South", "East", "North"]
    };
    html! {
        @if boxes.is_empty() {
            span.muted { "none given" }
        } @else {
            div.scroll { table {
                thead { tr {
                    th scope="col" { "Box" }
                    @for h in heads { th scope="col" { (h) } }
                } }
                tbody {
                    @for (i, b) in boxes.iter().enumerate() {
                        tr {
                            th scope="row" { (if i == 0 { "overall".to_owned() } else { format!("part {i}") }) }
                            @for n in b.as_array().map_or(&[][..], Vec::as_slice) {
                                td.num { (number_text(n)) }
                            }
                        }
                    }
                }
            } }
        }
    }
}

/// A temporal interval `[start, end]`, an open end shown as "open".
fn interval_text(interval: &Value) -> String {
    let Some(ends) = interval.as_array() else {
        return scalar_text(interval);
    };
    let end = |i: usize| match ends.get(i) {
        None | Some(Value::Null) => "open".to_owned(),
        Some(v) => scalar_text(v),
    };
    format!("{} – {}", end(0), end(1))
}

/// "N matched · N returned · time stamp", from the items response.
fn paging_summary(resource: &Value, shown: usize) -> Markup {
    let matched = resource.get("numberMatched").map(scalar_text);
    let returned = resource
        .get("numberReturned")
        .map_or_else(|| shown.to_string(), scalar_text);
    html! {
        p.paging {
            @if let Some(matched) = matched { strong { (matched) } " matched / " }
            strong { (returned) } " returned"
            @if let Some(stamp) = text(resource, "timeStamp") { " · as of " time datetime=(stamp) { (stamp) } }
        }
    }
}

/// Previous/next buttons (HTML view) with the raw links beside them.
fn pager(links: &[Link]) -> Markup {
    let find = |rel: &str| links.iter().find(|l| l.rel == Some(rel));
    let (prev, next) = (find("prev").or_else(|| find("previous")), find("next"));
    html! {
        @if prev.is_some() || next.is_some() {
            nav.pager aria-label="pages" {
                @if let Some(link) = prev { (pager_button(link, "← Previous page")) }
                @if let Some(link) = next { (pager_button(link, "Next page →")) }
            }
        }
    }
}

/// One pager button plus its raw link.
fn pager_button(link: &Link, label: &str) -> Markup {
    let primary = link.html_variant().unwrap_or_else(|| link.href.to_owned());
    html! {
        @if safe_href(&primary) {
            span {
                a.button href=(primary) rel=[link.rel] { (label) }
                @if primary != link.href {
                    " " small { "(" (anchor(link)) ")" }
                }
            }
        }
    }
}

/// The items table: one row per feature, the id linked to its page, then
/// every property seen, the geometry summary and the feature's links.
fn features_table(features: &[Value], collection: Option<&str>) -> Markup {
    let mut keys: Vec<&str> = Vec::new();
    for f in features {
        if let Some(p) = f.get("properties").and_then(Value::as_object) {
            for k in p.keys() {
                if !keys.contains(&k.as_str()) {
                    keys.push(k);
                }
            }
        }
    }
    html! {
        @if features.is_empty() {
            p { "No features on this page." }
        } @else {
            div.scroll { table.features {
                caption { "Features" }
                thead { tr {
                    th scope="col" { "id" }
                    @for k in &keys { th scope="col" dir="auto" { (k) } }
                    th scope="col" { "Geometry" }
                    th scope="col" { "Links" }
                } }
                tbody {
                    @for f in features { (feature_row(f, &keys, collection)) }
                }
            } }
        }
    }
}

/// One row of the items table.
fn feature_row(feature: &Value, keys: &[&str], collection: Option<&str>) -> Markup {
    let id = feature.get("id").and_then(id_text);
    let links = links(feature);
    let page = links
        .iter()
        .find(|l| l.rel == Some("self"))
        .and_then(Link::html_variant)
        .or_else(|| {
            let (c, id) = (collection?, id.as_deref()?);
            Some(format!(
                "/collections/{}/items/{}?f=html",
                encode_segment(c),
                encode_segment(id)
            ))
        });
    let properties = feature.get("properties");
    html! {
        tr {
            th scope="row" dir="auto" {
                @match (&page, &id) {
                    (Some(href), Some(id)) => a href=(href) { (id) },
                    (Some(href), None) => a href=(href) { "(no id)" },
                    (None, Some(id)) => (id),
                    (None, None) => span.muted { "—" },
                }
            }
            @for k in keys {
                (value_cell(properties.and_then(|p| p.get(*k))))
            }
            td { (geometry_brief(feature)) }
            td {
                @if !links.is_empty() {
                    ul.plain { @for link in &links { li { (link_inline(link)) } } }
                }
            }
        }
    }
}

/// A table cell for one property: scalars as text, arrays joined, objects
/// summarised, long text cut with the full text in `title`.
fn value_cell(value: Option<&Value>) -> Markup {
    let full = value.map(cell_text).unwrap_or_default();
    let numeric = value.is_some_and(Value::is_number);
    let shown = truncate(&full, CELL_MAX_CHARS);
    let title = (shown.len() != full.len()).then_some(full.as_str());
    html! {
        @if full.is_empty() {
            td.muted { "—" }
        } @else if numeric {
            td.num { (shown) }
        } @else {
            td dir="auto" title=[title] { (shown) }
        }
    }
}

/// The geometry in a table cell: type and vertex count, then the bbox.
fn geometry_brief(feature: &Value) -> Markup {
    let summary = feature.get("geometry").and_then(GeometrySummary::of);
    html! {
        @if let Some(s) = summary {
            (s.kind) " · " (s.vertices) " " (plural(s.vertices, "vertex", "vertices"))
            @if let Some(b) = feature_bbox(feature, &s) { br; small { (b) } }
        } @else {
            span.muted { "none" }
        }
    }
}

/// The geometry on an item page: type, parts, vertices, bbox.
fn geometry_facts(feature: &Value) -> Markup {
    let summary = feature.get("geometry").and_then(GeometrySummary::of);
    html! {
        @if let Some(s) = summary {
            dl {
                dt { "Type" } dd { (s.kind) }
                dt { "Parts" } dd { (s.parts) }
                dt { "Vertices" } dd { (s.vertices) }
                @if let Some(b) = feature_bbox(feature, &s) {
                    dt { "Bounding box" } dd { (b) " " small { "(west, south, east, north)" } }
                }
            }
        } @else {
            p.muted { "This feature has no geometry." }
        }
    }
}

/// The feature's `bbox` member, else the box computed from its coordinates.
fn feature_bbox(feature: &Value, summary: &GeometrySummary) -> Option<String> {
    let given = feature
        .get("bbox")
        .and_then(Value::as_array)
        .filter(|b| !b.is_empty());
    if let Some(b) = given {
        return Some(b.iter().map(number_text).collect::<Vec<_>>().join(", "));
    }
    summary.bbox.map(|b| {
        b.iter()
            .map(|n| float_text(*n))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// What the pages say about a geometry instead of its coordinates.
struct GeometrySummary {
    /// The GeoJSON `type`.
    kind: String,
    /// Members of a multi-geometry or collection; 1 otherwise.
    parts: usize,
    /// Number of positions, closing positions of rings included.
    vertices: usize,
    /// West, south, east, north over all positions, if any.
    bbox: Option<[f64; 4]>,
}

impl GeometrySummary {
    /// Summarises a GeoJSON geometry; `None` for `null` or a non-object.
    fn of(geometry: &Value) -> Option<Self> {
        geometry.as_object()?;
        let kind = text(geometry, "type").unwrap_or("unknown").to_owned();
        let mut summary = Self {
            parts: 1,
            kind,
            vertices: 0,
            bbox: None,
        };
        if let Some(members) = geometry.get("geometries").and_then(Value::as_array) {
            summary.parts = members.len();
            for member in members.iter().filter_map(Self::of) {
                summary.vertices += member.vertices;
                if let Some(b) = member.bbox {
                    summary.extend(b[0], b[1]);
                    summary.extend(b[2], b[3]);
                }
            }
        } else if let Some(coordinates) = geometry.get("coordinates") {
            if summary.kind.starts_with("Multi") {
                summary.parts = coordinates.as_array().map_or(0, Vec::len);
            }
            summary.walk(coordinates, 0);
        }
        Some(summary)
    }

    /// Counts the positions under `coordinates` and grows the box.
    fn walk(&mut self, coordinates: &Value, depth: usize) {
        let Some(items) = coordinates.as_array() else {
            return;
        };
        if items.first().is_some_and(Value::is_number) {
            self.vertices += 1;
            if let (Some(x), Some(y)) = (
                items.first().and_then(Value::as_f64),
                items.get(1).and_then(Value::as_f64),
            ) {
                self.extend(x, y);
            }
        } else if depth < 8 {
            for item in items {
                self.walk(item, depth + 1);
            }
        }
    }

    fn extend(&mut self, x: f64, y: f64) {
        let b = self.bbox.get_or_insert([x, y, x, y]);
        *b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
    }
}

/// A property value in full on an item page: arrays as lists, objects as
/// nested definition lists.
fn value_full(value: &Value, depth: usize) -> Markup {
    html! {
        @match value {
            Value::Null => span.muted { "null" },
            Value::Array(items) if items.is_empty() => span.muted { "(empty list)" },
            Value::Array(items) if items.iter().all(Value::is_number) => {
                (items.iter().map(scalar_text).collect::<Vec<_>>().join(", "))
            },
            Value::Array(items) if depth < 8 => {
                ul.plain { @for v in items { li dir="auto" { (value_full(v, depth + 1)) } } }
            },
            Value::Object(members) if depth < 8 => (object_full(members, depth)),
            Value::Array(_) | Value::Object(_) => code { (value.to_string()) },
            _ => (scalar_text(value)),
        }
    }
}

/// An object as a nested definition list.
fn object_full(members: &Map<String, Value>, depth: usize) -> Markup {
    html! {
        @if members.is_empty() {
            span.muted { "(empty object)" }
        } @else {
            dl {
                @for (k, v) in members {
                    dt dir="auto" { (k) }
                    dd dir="auto" { (value_full(v, depth + 1)) }
                }
            }
        }
    }
}

/// Flattens a property for a table cell: arrays joined with ", ", objects
/// summarised by their name and code.
fn cell_text(value: &Value) -> String {
    match value {
        Value::Array(items) => items
            .iter()
            .map(|v| match v {
                Value::Object(o) => object_label(o),
                Value::Array(a) => format!("[{} {}]", a.len(), plural(a.len(), "item", "items")),
                _ => scalar_text(v),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(o) => object_label(o),
        _ => scalar_text(value),
    }
}

/// A short label for an object: "name (code)" when it has such members,
/// else its scalar members as "key: value; …".
fn object_label(object: &Map<String, Value>) -> String {
    let first = |keys: &[&str]| {
        keys.iter().find_map(|k| {
            object
                .get(*k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        })
    };
    match (
        first(&["name_en", "name", "title", "label"]),
        first(&["id", "pcode", "code"]),
    ) {
        (Some(name), Some(code)) => format!("{name} ({code})"),
        (Some(one), None) | (None, Some(one)) => one.to_owned(),
        (None, None) => {
            let mut out = String::new();
            for (k, v) in object {
                if matches!(v, Value::Array(_) | Value::Object(_)) {
                    continue;
                }
                if !out.is_empty() {
                    out.push_str("; ");
                }
                let _ = write!(out, "{k}: {}", scalar_text(v));
            }
            if out.is_empty() {
                format!(
                    "{{{} {}}}",
                    object.len(),
                    plural(object.len(), "field", "fields")
                )
            } else {
                out
            }
        }
    }
}

/// The type column of the queryables table.
fn schema_type(schema: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(t) = schema.get("type") {
        parts.push(type_text(t));
    }
    if let Some(format) = text(schema, "format") {
        parts.push(if parts.is_empty() {
            format.to_owned()
        } else {
            format!("({format})")
        });
    }
    if parts.is_empty()
        && let Some(r) = text(schema, "$ref")
    {
        parts.push(r.to_owned());
    }
    if parts.is_empty() {
        "any".to_owned()
    } else {
        parts.join(" ")
    }
}

/// A JSON Schema `type`: a string, or a list joined with " | ".
fn type_text(t: &Value) -> String {
    match t {
        Value::Array(items) => items
            .iter()
            .map(scalar_text)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => scalar_text(t),
    }
}

/// The description column of the queryables table: title, description,
/// allowed values and bounds.
fn schema_description(schema: &Value) -> Markup {
    let choices = schema.get("enum").and_then(Value::as_array);
    html! {
        @if let Some(t) = text(schema, "title") { strong { (t) } }
        @if let Some(d) = text(schema, "description") { " " (d) }
        @if let Some(choices) = choices {
            br;
            small { "One of: " (choices.iter().map(scalar_text).collect::<Vec<_>>().join(", ")) }
        }
        @for (key, label) in [("minimum", "minimum"), ("maximum", "maximum")] {
            @if let Some(n) = schema.get(key) { br; small { (label) " " (scalar_text(n)) } }
        }
    }
}

// ---------------------------------------------------------------- JSON helpers

/// A string member, if present.
fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key)?.as_str()
}

/// An array member, or an empty slice.
fn array<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The well-formed members of `links` (those with a string `href`).
fn links(value: &Value) -> Vec<Link<'_>> {
    let mut found: Vec<Link> = array(value, "links")
        .iter()
        .filter_map(|l| {
            Some(Link {
                href: text(l, "href")?,
                rel: text(l, "rel"),
                media_type: text(l, "type"),
                title: text(l, "title"),
                hreflang: text(l, "hreflang"),
                html_listed: false,
            })
        })
        .collect();
    let hrefs: Vec<&str> = found.iter().map(|l| l.href).collect();
    for link in &mut found {
        link.html_listed = link
            .html_variant()
            .is_some_and(|h| hrefs.contains(&h.as_str()));
    }
    found
}

/// A feature id (string or number) as text.
fn id_text(id: &Value) -> Option<String> {
    match id {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A scalar as text; other values as compact JSON.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(_) | Value::Object(_) => value.to_string(),
    }
}

/// A JSON number (or anything) as text for a coordinate cell.
fn number_text(value: &Value) -> String {
    value
        .as_f64()
        .map_or_else(|| scalar_text(value), float_text)
}

/// A coordinate with at most six decimals, trailing zeros dropped.
fn float_text(n: f64) -> String {
    let s = format!("{n:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// Cuts `s` to at most `max` characters, marking a cut with "…".
fn truncate(s: &str, max: usize) -> String {
    if s.char_indices().nth(max).is_none() {
        return s.to_owned();
    }
    let cut = s
        .char_indices()
        .nth(max.saturating_sub(1))
        .map_or(s.len(), |(i, _)| i);
    format!("{}…", s[..cut].trim_end())
}

/// The collection a resource belongs to: the `/collections/{id}` segment of
/// its `collection` link, else of its `self` link, `$id` or any link.
fn collection_id(resource: &Value) -> Option<String> {
    let links = links(resource);
    let by_rel = |rel: &'static str| {
        links
            .iter()
            .filter(move |l| l.rel == Some(rel))
            .map(|l| l.href)
    };
    by_rel("collection")
        .chain(by_rel("self"))
        .chain(text(resource, "$id"))
        .chain(links.iter().map(|l| l.href))
        .find_map(collection_segment)
        .map(ToOwned::to_owned)
}

/// The path segment after `/collections/` in an href.
fn collection_segment(href: &str) -> Option<&str> {
    let (_, rest) = href.split_once("/collections/")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|s| !s.is_empty())
}

/// Where a collection (an entry of `/collections`) is shown as a page.
fn collection_page_href(c: &Value) -> Option<String> {
    links(c)
        .iter()
        .find(|l| l.rel == Some("self"))
        .and_then(Link::html_variant)
        .or_else(|| {
            Some(format!(
                "/collections/{}?f=html",
                encode_segment(text(c, "id")?)
            ))
        })
}

/// `href` with its `f` parameter set to `html`: `?f=html` when it has no
/// query, `&f=html` when it has one (an existing `f=` is replaced); a
/// fragment stays last.
fn with_html_format(href: &str) -> String {
    let (base, fragment) = href.find('#').map_or((href, ""), |i| href.split_at(i));
    let (path, query) = base.split_once('?').unwrap_or((base, ""));
    let mut params: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && *p != "f" && !p.starts_with("f="))
        .collect();
    params.push("f=html");
    format!("{path}?{}{fragment}", params.join("&"))
}

/// Whether an href names a resource this service renders as HTML: the
/// landing page (a path ending in `/`), `/conformance`, or anything under
/// `/collections`. Other JSON (the zones API, OpenAPI) has no HTML view.
fn is_ogc_resource(href: &str) -> bool {
    let rest = href
        .split_once("://")
        .map_or(href, |(_, r)| r.find('/').map_or("", |i| &r[i..]));
    let path = &rest[..rest.find(['?', '#']).unwrap_or(rest.len())];
    path.is_empty()
        || path.ends_with('/')
        || path
            .split('/')
            .any(|segment| segment == "collections" || segment == "conformance")
}

/// Whether an href may be followed: relative, or `http`, `https` or `mailto`.
fn safe_href(href: &str) -> bool {
    let scheme_end = href.find(':');
    let path_start = href.find(['/', '?', '#']);
    match (scheme_end, path_start) {
        (Some(colon), start) if start.is_none_or(|s| colon < s) => {
            let scheme = href[..colon].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto")
        }
        _ => true,
    }
}

/// Percent-encodes a path segment (everything but RFC 3986 unreserved).
fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A human name for a link relation, used to group the landing page links.
fn rel_label(rel: Option<&str>) -> &str {
    let Some(rel) = rel else {
        return "Other links";
    };
    match rel.rsplit('/').next().unwrap_or(rel) {
        "self" => "This document",
        "alternate" => "Other formats",
        "service-desc" => "API definition",
        "service-doc" => "API documentation",
        "conformance" => "Conformance",
        "data" => "Collections",
        "license" => "Licence",
        _ => rel,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ALL_PAGES: [Page; 7] = [
        Page::Landing,
        Page::Conformance,
        Page::Collections,
        Page::Collection,
        Page::Items,
        Page::Item,
        Page::Queryables,
    ];

    /// How maud writes `s` inside an attribute value.
    fn escaped(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    }

    fn href_attr(href: &str) -> String {
        format!("href=\"{}\"", escaped(href))
    }

    /// Every `links` member anywhere in `value`.
    fn all_links(value: &Value) -> Vec<Value> {
        let mut found = Vec::new();
        match value {
            Value::Object(members) => {
                for (key, member) in members {
                    if key == "links" {
                        found.extend(member.as_array().cloned().unwrap_or_default());
                    } else {
                        found.extend(all_links(member));
                    }
                }
            }
            Value::Array(items) => found.extend(items.iter().flat_map(all_links)),
            _ => {}
        }
        found
    }

    /// Asserts the page is a complete document and carries every link of
    /// the resource, with the HTML view beside each JSON one.
    fn assert_page(page: &str, resource: &Value, title: &str) {
        assert!(page.starts_with("<!doctype html>"), "{page}");
        assert!(page.contains(r#"<html lang="en">"#));
        assert!(page.contains(r#"<meta charset="utf-8">"#));
        assert!(page.contains(r#"<meta name="viewport""#));
        assert!(
            page.contains(&format!("<title>{} – dezone</title>", escaped(title))),
            "{page}"
        );
        assert!(page.contains(r#"<nav class="crumbs" aria-label="breadcrumb">"#));
        assert!(page.contains(r#"<a class="brand" href="/?f=html">dezone</a>"#));
        assert!(!page.contains("<script"), "{page}");
        assert!(!page.contains("<link"), "no external assets");
        let links = all_links(resource);
        assert!(!links.is_empty(), "fixture has links");
        for link in &links {
            let href = link["href"].as_str().unwrap();
            assert!(page.contains(&href_attr(href)), "missing {href} in {page}");
            let json = link["type"].as_str().is_some_and(|t| t.contains("json"));
            let rel = link["rel"].as_str().unwrap_or_default();
            if json && !NO_HTML_RELS.contains(&rel) && is_ogc_resource(href) {
                let html = with_html_format(href);
                assert!(page.contains(&href_attr(&html)), "missing {html} in {page}");
            }
            if let Some(t) = link["title"].as_str() {
                assert!(page.contains(&escaped(t)), "missing title {t}");
            }
            if !rel.is_empty() {
                assert!(page.contains(&escaped(rel)), "missing rel {rel}");
            }
        }
    }

    /// The rows of the items table's body.
    fn feature_rows(page: &str) -> usize {
        let start = page.find(r#"<table class="features">"#).unwrap();
        let table = &page[start..];
        let table = &table[..table.find("</table>").unwrap()];
        let body = &table[table.find("<tbody>").unwrap()..];
        body.matches("<tr>").count()
    }

    fn link(href: &str, rel: &str, kind: &str, title: &str) -> Value {
        json!({"href": href, "rel": rel, "type": kind, "title": title})
    }

    fn landing_fixture() -> Value {
        json!({
            "title": "Syrian de-escalation zones",
            "description": "The four zones of the Astana memorandum, 4 May 2017.",
            "attribution": "Administrative boundaries: OCHA / UN Cartographic Section (COD-AB Syria, CC BY-IGO 3.0). Who's On First (CC BY 4.0).",
            "links": [
                link("/", "self", "application/json", "This document"),
                link("/?f=html", "alternate", "text/html", "This document as HTML"),
                link("/api", "service-desc", "application/vnd.oai.openapi+json;version=3.0", "The API definition"),
                link("/api/docs", "service-doc", "text/html", "The API documentation"),
                link("/conformance", "conformance", "application/json", "Conformance classes"),
                link("/collections", "data", "application/json", "Collections"),
                link("/collections?f=html", "data", "text/html", "Collections as HTML"),
                link("/zones", "related", "application/json", "Zone metadata"),
            ],
        })
    }

    fn collection_fixture() -> Value {
        json!({
            "id": "zones",
            "title": "De-escalation zones",
            "description": "The four zones; outlines are approximate.",
            "attribution": "OCHA / WOF",
            "extent": {
                "spatial": {
                    "bbox": [[35.727, 32.311, 42.376, 37.32]],
                    "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                },
                "temporal": {
                    "interval": [["2017-05-06T00:00:00Z", null]],
                    "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
                },
            },
            "itemType": "feature",
            "crs": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"],
            "links": [
                link("/collections/zones", "self", "application/json", "This collection"),
                link("/collections/zones?f=html", "alternate", "text/html", "This collection as HTML"),
                link("/collections/zones/items", "items", "application/geo+json", "The zones"),
                link("/collections/zones/items?f=html", "items", "text/html", "The zones as HTML"),
                link("/collections/zones/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "Queryables"),
            ],
        })
    }

    fn feature_fixture(id: &str, name: &str, name_ar: &str) -> Value {
        json!({
            "type": "Feature",
            "id": id,
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[36.09, 35.29], [37.5, 35.29], [37.5, 36.38], [36.09, 36.38], [36.09, 35.29]]],
            },
            "bbox": [36.092_191, 35.298, 37.5, 36.384_362],
            "properties": {
                "number": 1,
                "name": name,
                "name_ar": name_ar,
                "provinces": ["Idlib", "Latakia", "Hama"],
                "valid_until": null,
                "approximate": true,
                "area_km2": 8962.4,
                "representative_point": [36.778_145, 35.841_181],
                "governorates": [
                    {"pcode": "SY07", "name_en": "Idleb", "name_ar": "إدلب"},
                    {"pcode": "SY02", "name_en": "Aleppo", "name_ar": "حلب"},
                ],
                "caveat": "Approximate outline drawn from public sources (governorate boundaries, gazetteer anchor towns and press reports); it is not an official map.",
                "attribution": "Administrative boundaries: OCHA / UN Cartographic Section (COD-AB Syria, CC BY-IGO 3.0).",
            },
            "links": [
                link(&format!("/collections/zones/items/{id}"), "self", "application/geo+json", name),
                link(&format!("/zones/{id}"), "describedby", "application/json", &format!("{name} metadata")),
                link("/collections/zones/items", "collection", "application/geo+json", "All zones"),
            ],
        })
    }

    fn items_fixture() -> Value {
        json!({
            "type": "FeatureCollection",
            "features": [
                feature_fixture("idlib", "Idlib", "إدلب"),
                feature_fixture("northern-homs", "Northern Homs", "ريف حمص الشمالي"),
                feature_fixture("eastern-ghouta", "Eastern Ghouta", "الغوطة الشرقية"),
            ],
            "numberMatched": 4,
            "numberReturned": 3,
            "timeStamp": "2025-01-01T00:00:00Z",
            "links": [
                link("/collections/zones/items?offset=3&limit=3", "self", "application/geo+json", "This page"),
                link("/collections/zones/items?offset=3&limit=3&f=html", "alternate", "text/html", "This page as HTML"),
                link("/collections/zones/items?offset=0&limit=3", "prev", "application/geo+json", "Previous page"),
                link("/collections/zones/items?offset=6&limit=3", "next", "application/geo+json", "Next page"),
                link("/collections/zones", "collection", "application/json", "The collection"),
            ],
        })
    }

    fn queryables_fixture() -> Value {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://example.org/collections/zones/queryables",
            "type": "object",
            "title": "De-escalation zones",
            "properties": {
                "number": {"type": "integer", "title": "Zone number", "description": "1 to 4 in the memorandum's order", "minimum": 1, "maximum": 4},
                "name": {"type": "string", "title": "Name"},
                "valid_until": {"type": ["string", "null"], "format": "date", "title": "Lapsed on"},
                "extent": {"type": "string", "enum": ["2017", "2018"], "title": "Extent"},
                "geometry": {"format": "geometry-any", "$ref": "https://geojson.org/schema/Geometry.json"},
            },
            "additionalProperties": false,
            "links": [link("/collections/zones/queryables", "self", "application/schema+json", "This schema")],
        })
    }

    #[test]
    fn every_page_kind_renders_an_empty_object_without_panicking() {
        for page in ALL_PAGES {
            let html = render(page, &json!({}));
            assert!(html.starts_with("<!doctype html>"), "{page:?}");
            assert!(html.contains("<title>"), "{page:?}");
            assert!(html.trim_end().ends_with("</html>"), "{page:?}");
        }
    }

    #[test]
    fn mistyped_members_and_non_object_resources_do_not_panic() {
        let odd = json!({
            "title": 7, "links": [{"rel": "self"}, 3, {"href": 4}], "conformsTo": [1, null],
            "collections": [null, {"extent": {"spatial": {"bbox": [[1], "x"]}, "temporal": {"interval": [null, [null]]}}}],
            "features": [null, {"geometry": {"type": "Point", "coordinates": "x"}, "properties": null},
                         {"geometry": {"type": "GeometryCollection", "geometries": [null, {"type": "Point", "coordinates": [1, 2]}]}}],
            "properties": {"a": {"type": 5}, "b": null}, "numberMatched": "many",
            "geometry": {"coordinates": [[[[[[[[[[[[[1, 2]]]]]]]]]]]]]},
        });
        for page in ALL_PAGES {
            for resource in [&odd, &json!(null), &json!([1, 2]), &json!("text")] {
                assert!(render(page, resource).starts_with("<!doctype html>"));
            }
        }
    }

    #[test]
    fn landing_page_shows_title_description_attribution_and_every_link() {
        let resource = landing_fixture();
        let html = render(Page::Landing, &resource);
        assert_page(&html, &resource, "Syrian de-escalation zones");
        assert!(html.contains("<h1 dir=\"auto\">Syrian de-escalation zones</h1>"));
        assert!(html.contains("The four zones of the Astana memorandum"));
        assert!(html.contains("<footer>"));
        assert!(html.contains("Who&#39;s On First") || html.contains("Who's On First"));
        assert!(html.contains(r#"href="/collections?f=html""#));
        assert!(html.contains(r#"href="/conformance?f=html""#));
        assert!(
            !html.contains(r#"href="/api?f=html""#),
            "no HTML view of the OpenAPI document"
        );
        assert!(
            !html.contains(r#"href="/zones?f=html""#),
            "the zones API has no HTML view"
        );
        assert_eq!(
            html.matches(r#"href="/collections?f=html""#).count(),
            1,
            "an HTML view the links already list is not offered twice"
        );
    }

    #[test]
    fn landing_page_groups_links_by_relation() {
        let html = render(Page::Landing, &landing_fixture());
        for heading in [
            "This document",
            "API definition",
            "API documentation",
            "Conformance",
            "Collections",
        ] {
            assert!(
                html.contains(&format!("<h3>{heading} <small>")),
                "{heading}"
            );
        }
        let data = html.find("<h3>Collections").unwrap();
        assert!(html[data..].contains(r#"href="/collections""#));
    }

    #[test]
    fn conformance_page_links_every_class_uri() {
        let resource = json!({
            "conformsTo": [
                "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
                "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
                "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
            ],
            "links": [link("/conformance", "self", "application/json", "This document")],
        });
        let html = render(Page::Conformance, &resource);
        assert_page(&html, &resource, "Conformance");
        for uri in resource["conformsTo"].as_array().unwrap() {
            let uri = uri.as_str().unwrap();
            assert!(html.contains(&format!(r#"<a href="{uri}"><code>{uri}</code></a>"#)));
        }
        assert!(html.contains("3 conformance classes"));
        assert!(html.contains(r#"<span aria-current="page" dir="auto">Conformance</span>"#));
    }

    #[test]
    fn collections_page_lists_each_collection_with_extent_and_links() {
        let mut governorates = collection_fixture();
        governorates["id"] = json!("governorates");
        governorates["title"] = json!("Governorates");
        governorates["attribution"] = json!("OCHA COD-AB");
        governorates["links"] = json!([link(
            "/collections/governorates/items",
            "items",
            "application/geo+json",
            "The governorates"
        )]);
        let resource = json!({
            "links": [link("/collections", "self", "application/json", "Collections")],
            "collections": [collection_fixture(), governorates],
        });
        let html = render(Page::Collections, &resource);
        assert_page(&html, &resource, "Collections");
        assert!(html.contains(r#"<a href="/collections/zones?f=html">De-escalation zones</a>"#));
        assert!(html.contains(r#"<a href="/collections/governorates?f=html">Governorates</a>"#));
        assert_eq!(html.matches(r#"<article class="collection">"#).count(), 2);
        assert!(html.contains("2017-05-06T00:00:00Z – open"));
        assert!(html.contains("Data: OCHA / WOF") && html.contains("Data: OCHA COD-AB"));
    }

    #[test]
    fn collection_page_shows_extent_with_open_interval_crs_and_items_links() {
        let resource = collection_fixture();
        let html = render(Page::Collection, &resource);
        assert_page(&html, &resource, "De-escalation zones");
        for n in ["35.727", "32.311", "42.376", "37.32"] {
            assert!(
                html.contains(&format!(r#"<td class="num">{n}</td>"#)),
                "{n}"
            );
        }
        assert!(html.contains("2017-05-06T00:00:00Z – open"));
        assert!(html.contains("<dd>feature</dd>"));
        assert!(html.contains("<code>http://www.opengis.net/def/crs/OGC/1.3/CRS84</code>"));
        assert!(html.contains(
            r#"<a class="button" href="/collections/zones/items?f=html">Browse the items</a>"#
        ));
        assert!(html.contains(r#"href="/collections/zones/queryables?f=html""#));
        assert!(html.contains(r#"<a href="/collections?f=html" dir="auto">Collections</a>"#));
        assert!(html.contains("Data: OCHA / WOF"));
    }

    #[test]
    fn items_page_has_one_table_row_per_feature() {
        let resource = items_fixture();
        let html = render(Page::Items, &resource);
        assert_page(&html, &resource, "Items in zones");
        assert_eq!(feature_rows(&html), 3);
        let one = json!({"features": [feature_fixture("idlib", "Idlib", "إدلب")]});
        assert_eq!(feature_rows(&render(Page::Items, &one)), 1);
    }

    #[test]
    fn items_page_shows_counts_and_prominent_previous_and_next_links() {
        let html = render(Page::Items, &items_fixture());
        assert!(html.contains("<strong>4</strong> matched / <strong>3</strong> returned"));
        assert!(html.contains(
            r#"<a class="button" href="/collections/zones/items?offset=6&amp;limit=3&amp;f=html" rel="next">"#
        ));
        assert!(html.contains(
            r#"<a class="button" href="/collections/zones/items?offset=0&amp;limit=3&amp;f=html" rel="prev">"#
        ));
        assert!(html.contains(r#"href="/collections/zones/items?offset=6&amp;limit=3""#));
        let unpaged = render(
            Page::Items,
            &json!({"features": [], "numberReturned": 0, "links": []}),
        );
        assert!(!unpaged.contains("Next page"));
        assert!(unpaged.contains(r#"<p class="paging"><strong>0</strong> returned"#));
    }

    #[test]
    fn items_page_links_each_id_to_its_item_page() {
        let html = render(Page::Items, &items_fixture());
        for id in ["idlib", "northern-homs", "eastern-ghouta"] {
            assert!(html.contains(&format!(
                r#"<a href="/collections/zones/items/{id}?f=html">{id}</a>"#
            )));
        }
        let bare = json!({
            "features": [{"type": "Feature", "id": "SY07", "properties": {}}],
            "links": [link("/collections/governorates/items", "self", "application/geo+json", "This page")],
        });
        let html = render(Page::Items, &bare);
        assert!(html.contains(r#"<a href="/collections/governorates/items/SY07?f=html">SY07</a>"#));
    }

    #[test]
    fn items_page_summarises_geometry_without_dumping_coordinates() {
        let html = render(Page::Items, &items_fixture());
        assert!(html.contains("Polygon · 5 vertices"));
        assert!(html.contains("36.092191, 35.298, 37.5, 36.384362"));
        assert!(!html.contains("[[[36.09"));
        assert!(!html.contains("36.09, 35.29]"));
    }

    #[test]
    fn items_page_joins_arrays_and_summarises_nested_objects() {
        let html = render(Page::Items, &items_fixture());
        assert!(html.contains(">Idlib, Latakia, Hama</td>"));
        assert!(html.contains(">Idleb (SY07), Aleppo (SY02)</td>"));
        assert!(html.contains(r#"<td class="num">8962.4</td>"#));
        assert!(
            html.contains(r#"<td class="muted">—</td>"#),
            "null shown as a dash"
        );
    }

    #[test]
    fn long_cell_text_is_cut_in_the_table_but_whole_on_the_item_page() {
        let feature = feature_fixture("idlib", "Idlib", "إدلب");
        let caveat = feature["properties"]["caveat"].as_str().unwrap();
        let table = render(Page::Items, &json!({"features": [feature.clone()]}));
        assert!(table.contains(&format!(r#"title="{caveat}""#)));
        assert!(table.contains("…</td>"));
        let page = render(Page::Item, &feature);
        assert!(page.contains(&format!(">{caveat}</dd>")));
    }

    #[test]
    fn item_page_lists_every_property_with_nested_objects() {
        let resource = feature_fixture("idlib", "Idlib", "إدلب");
        let html = render(Page::Item, &resource);
        assert_page(&html, &resource, "Idlib");
        for key in resource["properties"].as_object().unwrap().keys() {
            assert!(
                html.contains(&format!(r#"<dt dir="auto">{key}</dt>"#)),
                "{key}"
            );
        }
        assert!(html.contains(r#"<dt dir="auto">pcode</dt><dd dir="auto">SY07</dd>"#));
        assert!(html.contains(r#"<li dir="auto">Latakia</li>"#));
        assert!(html.contains("<dt>Vertices</dt><dd>5</dd>"));
        assert!(html.contains(r#"<dd dir="auto">36.778145, 35.841181</dd>"#));
        assert!(html.contains("<dt>Type</dt><dd>Polygon</dd>"));
        assert!(html.contains("Data: Administrative boundaries: OCHA"));
    }

    #[test]
    fn item_page_breadcrumbs_lead_back_to_collection_and_items() {
        let html = render(Page::Item, &feature_fixture("idlib", "Idlib", "إدلب"));
        let nav = &html[html.find(r#"aria-label="breadcrumb""#).unwrap()..];
        let nav = &nav[..nav.find("</nav>").unwrap()];
        let expected = [
            r#"href="/?f=html">Home<"#,
            r#"href="/collections?f=html" dir="auto">Collections<"#,
            r#"href="/collections/zones?f=html" dir="auto">zones<"#,
            r#"href="/collections/zones/items?f=html" dir="auto">Items<"#,
            r#"<span aria-current="page" dir="auto">idlib</span>"#,
        ];
        let mut at = 0;
        for crumb in expected {
            let found = nav[at..]
                .find(crumb)
                .unwrap_or_else(|| panic!("{crumb} in {nav}"));
            at += found;
        }
    }

    #[test]
    fn a_page_titled_as_the_service_is_not_titled_twice() {
        let html = render(Page::Landing, &json!({"title": "dezone", "links": []}));
        assert!(html.contains("<title>dezone</title>"), "{html}");
    }

    #[test]
    fn queryables_page_tabulates_name_type_and_description() {
        let resource = queryables_fixture();
        let html = render(Page::Queryables, &resource);
        // Titled apart from the collection's page, whose title the document shares.
        assert_page(&html, &resource, "Queryables of De-escalation zones");
        assert!(html.contains(
            r#"<th scope="row" dir="auto"><code>number</code></th><td><code>integer</code></td>"#
        ));
        assert!(
            html.contains("<strong>Zone number</strong> 1 to 4 in the memorandum&#39;s order")
                || html.contains("<strong>Zone number</strong> 1 to 4 in the memorandum's order")
        );
        assert!(html.contains("<code>string | null (date)</code>"));
        assert!(html.contains("<code>geometry-any</code>"));
        assert!(html.contains("One of: 2017, 2018"));
        assert!(html.contains("<dd>not allowed</dd>"));
        assert!(html.contains(r#"<a href="/collections/zones?f=html" dir="auto">zones</a>"#));
        assert_eq!(html.matches(r#"<th scope="row""#).count(), 5);
    }

    #[test]
    fn arabic_text_is_preserved_with_automatic_direction() {
        let items = render(Page::Items, &items_fixture());
        assert!(items.contains(r#"<td dir="auto">ريف حمص الشمالي</td>"#));
        assert!(items.contains(r#"<td dir="auto">الغوطة الشرقية</td>"#));
        let item = render(Page::Item, &feature_fixture("idlib", "Idlib", "إدلب"));
        assert!(item.contains(r#"<dd dir="auto">إدلب</dd>"#));
        assert!(item.contains(r#"<dt dir="auto">name_ar</dt><dd dir="auto">حلب</dd>"#));
    }

    #[test]
    fn markup_in_values_keys_titles_and_hrefs_is_escaped() {
        let evil = r#"<script>alert("x" & 'y')</script>"#;
        let safe = "&lt;script&gt;alert(&quot;x&quot; &amp; 'y')&lt;/script&gt;";
        let mut feature = feature_fixture("idlib", evil, evil);
        feature["id"] = json!(evil);
        feature["properties"][evil] = json!(evil);
        feature["properties"]["nested"] = json!([{"name": evil, "id": evil}]);
        feature["links"] = json!([link(&format!("/x?q={evil}"), evil, evil, evil)]);
        let collection = json!({
            "id": evil, "title": evil, "description": evil, "attribution": evil,
            "itemType": evil, "crs": [evil], "links": [link(evil, "items", "application/json", evil)],
        });
        let resources = [
            (
                Page::Landing,
                json!({"title": evil, "description": evil, "attribution": evil, "links": [link(evil, evil, evil, evil)]}),
            ),
            (Page::Conformance, json!({"conformsTo": [evil]})),
            (
                Page::Collections,
                json!({"collections": [collection.clone()]}),
            ),
            (Page::Collection, collection),
            (
                Page::Items,
                json!({"features": [feature.clone()], "numberMatched": evil}),
            ),
            (Page::Item, feature),
            (
                Page::Queryables,
                json!({"title": evil, "$id": evil, "properties": {evil: {"type": evil, "description": evil}}}),
            ),
        ];
        for (page, resource) in resources {
            let html = render(page, &resource);
            assert!(!html.contains("<script"), "{page:?}: {html}");
            assert!(!html.contains(r#"alert("x""#), "{page:?}");
            assert!(html.contains(safe), "{page:?}: {html}");
        }
    }

    #[test]
    fn links_with_unsafe_schemes_are_shown_but_not_followable() {
        let resource =
            json!({"links": [link("javascript:alert(1)", "self", "application/json", "Bad")]});
        let html = render(Page::Landing, &resource);
        assert!(!html.contains(r#"href="javascript:"#));
        assert!(html.contains("<code>javascript:alert(1)</code>"));
        assert!(safe_href("https://example.org/a:b"));
        assert!(safe_href("/collections/a:b"));
        assert!(safe_href("items?x=a:b"));
        assert!(!safe_href("JavaScript:alert(1)"));
        assert!(!safe_href("data:text/html,hi"));
    }

    #[test]
    fn html_variant_appends_or_replaces_the_format_parameter() {
        assert_eq!(with_html_format("/collections"), "/collections?f=html");
        assert_eq!(with_html_format("/items?limit=3"), "/items?limit=3&f=html");
        assert_eq!(
            with_html_format("/items?f=json&limit=3"),
            "/items?limit=3&f=html"
        );
        assert_eq!(with_html_format("/items?"), "/items?f=html");
        assert_eq!(
            with_html_format("http://h/x?a=1#top"),
            "http://h/x?a=1&f=html#top"
        );
    }

    #[test]
    fn only_ogc_resources_get_an_html_view() {
        for yes in [
            "/",
            "/collections",
            "https://h/base/collections/zones/items?f=json",
            "http://h",
            "/conformance",
        ] {
            assert!(is_ogc_resource(yes), "{yes}");
        }
        for no in [
            "/api",
            "https://h/zones/idlib",
            "/zones?collections=1",
            "/locate",
        ] {
            assert!(!is_ogc_resource(no), "{no}");
        }
    }

    #[test]
    fn absolute_hrefs_are_kept_and_still_give_the_collection() {
        let resource = json!({
            "features": [],
            "links": [link("https://dezone.example/collections/zones/items?offset=2", "next", "application/geo+json", "Next")],
        });
        let html = render(Page::Items, &resource);
        assert!(html.contains(
            r#"href="https://dezone.example/collections/zones/items?offset=2&amp;f=html""#
        ));
        assert!(html.contains("<title>Items in zones – dezone</title>"));
    }

    #[test]
    fn helpers_format_numbers_text_and_geometry() {
        assert_eq!(float_text(36.092_191_4), "36.092191");
        assert_eq!(float_text(37.0), "37");
        assert_eq!(float_text(-0.000_000_1), "0");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abcd", 4), "abcd");
        assert_eq!(truncate("إدلب إدلب", 3), "إد…");
        let multi = json!({"type": "MultiPolygon", "coordinates": [[[[0, 0], [2, 0], [0, 1], [0, 0]]], [[[5, 5], [6, 5], [5, 7], [5, 5]]]]});
        let s = GeometrySummary::of(&multi).unwrap();
        assert_eq!((s.parts, s.vertices), (2, 8));
        assert_eq!(s.bbox, Some([0.0, 0.0, 6.0, 7.0]));
        assert!(GeometrySummary::of(&Value::Null).is_none());
    }
}
