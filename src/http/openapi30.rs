//! OpenAPI 3.1 → 3.0.3: [`downgrade`] rewrites the document utoipa emits (3.1)
//! into the 3.0 dialect that OGC API – Features clients (GDAL, `OWSLib`, QGIS) and
//! the OGC `oas30` conformance class read as `service-desc`.
//!
//! Owns JSON rewriting only: it works on a [`serde_json::Value`] and imports
//! nothing else from the crate. Anything that is not 3.1-specific passes
//! through untouched and in the same key order.
//!
//! The walk follows the document's structure (paths, operations, parameters,
//! request bodies, responses, headers, media types, encodings, callbacks,
//! components), so a schema is recognised wherever one may stand, and example
//! values and `x-` extensions are never rewritten.
//!
//! # Document rules
//! - `openapi: 3.1.x` becomes `3.0.3`; a missing `paths` (optional in 3.1)
//!   becomes `{}`.
//! - `webhooks`, `jsonSchemaDialect`, `info.summary`, `components.pathItems`
//!   are dropped (3.1 only).
//! - `info.license.identifier` is dropped; an `MIT` licence without `url` gets
//!   `https://opensource.org/licenses/MIT`.
//! - A Reference Object outside schemas (parameter, response, …) keeps only
//!   `$ref`: 3.0 forbids the `summary`/`description` siblings of 3.1.
//! - `examples` of parameters, headers and media types stay maps of Example
//!   Objects (as utoipa emits them); a bare value in such a map is wrapped as
//!   `{"value": …}`, and an array becomes `example` (its first item).
//!
//! # Schema rules
//! - `type: [T, "null"]` → `type: T, nullable: true`; `type: ["null"]` or
//!   `"null"` → no `type`, `nullable: true`, `enum: [null]`; several non-null
//!   types → `anyOf` of single-type schemas (plus `nullable`).
//! - `{"type": "null"}` (or `const: null`, `enum: [null]`) among `oneOf`/`anyOf`
//!   is removed and `nullable: true` set beside the keyword. When one
//!   alternative remains it is hoisted: a bare `$ref` becomes
//!   `allOf: [{"$ref": …}]`, other schemas are merged in when no keyword clashes
//!   (else wrapped in `allOf`).
//! - A nullable reference cannot be `nullable` beside `allOf: [{"$ref": …}]`:
//!   3.0.3 reads `nullable` only beside `type`, and `allOf` applies its
//!   members to `null` too, so validators refuse the `null` the schema means
//!   to allow. It becomes `oneOf: [{"$ref": …}, {"type": T, "nullable":
//!   true, "enum": [null]}]`, `T` the referenced schema's `type`
//!   (`LocateAnswer.governorate`: a governorate, or `null`).
//! - `$ref` with sibling keywords (ignored in 3.0) → `allOf: [{"$ref": …}]`
//!   plus the siblings.
//! - `examples: [a, …]` → `example: a` (unless `example` is already there).
//! - Numeric `exclusiveMinimum`/`exclusiveMaximum` → `minimum`/`maximum` plus
//!   boolean `exclusiveMinimum`/`exclusiveMaximum: true`, keeping the stricter
//!   bound when an inclusive one is also given.
//! - `const: v` → `enum: [v]`.
//! - `contentEncoding`/`contentMediaType` are dropped; unless `format` is set,
//!   `base64`/`base64url` give `format: byte`, `binary` or a non-text media type
//!   without encoding give `format: binary`.
//! - `prefixItems` is approximated by `items` (the one schema, or `anyOf` of the
//!   distinct ones, with the `items` schema for the rest); `items: false` then
//!   gives `maxItems` = the tuple length.
//! - Boolean schemas: `true` → `{}`, `false` → `{"not": {}}`
//!   (`additionalProperties` keeps its boolean); `items: false` alone →
//!   `items: {}` + `maxItems: 0`; an array type without `items` gets
//!   `items: {}` (required in 3.0).
//! - Dropped, 3.0 has no counterpart: `$schema`, `$id`, `$anchor`,
//!   `$dynamicAnchor`, `$dynamicRef`, `$defs`, `$vocabulary`, `$comment`,
//!   `if`/`then`/`else`, `dependentSchemas`, `dependentRequired`,
//!   `patternProperties`, `propertyNames`, `unevaluatedProperties`,
//!   `unevaluatedItems`, `contains`, `minContains`, `maxContains`,
//!   `contentSchema`. (A `$ref` into `$defs` would dangle; utoipa emits none.)

use std::collections::HashMap;

use serde_json::{Map, Value, json};

type Object = Map<String, Value>;

/// The version written into `openapi`.
const VERSION: &str = "3.0.3";

/// Where an `MIT` licence without `url` points.
const MIT_URL: &str = "https://opensource.org/licenses/MIT";

/// JSON Schema 2020-12 keywords that the 3.0 Schema Object lacks, dropped.
const DROPPED: &[&str] = &[
    "$schema",
    "$id",
    "$anchor",
    "$dynamicAnchor",
    "$dynamicRef",
    "$defs",
    "$vocabulary",
    "$comment",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "patternProperties",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contains",
    "minContains",
    "maxContains",
    "contentSchema",
];

/// Keywords that say nothing about which values a schema accepts.
const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "$comment",
    "default",
    "example",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
];

/// The HTTP methods of a Path Item Object.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Renders utoipa's OpenAPI 3.1 document as OpenAPI 3.0.3.
///
/// The input is the whole document as JSON; anything that is not an object is
/// returned unchanged. See the module documentation for the rules.
///
/// # Examples
///
/// ```
/// use serde_json::json;
///
/// let doc = json!({
///     "openapi": "3.1.0",
///     "info": {"title": "t", "version": "1"},
///     "paths": {},
///     "components": {"schemas": {"Name": {"type": ["string", "null"]}}},
/// });
/// let v30 = dezone::http::openapi30::downgrade(doc);
/// assert_eq!(v30["openapi"], "3.0.3");
/// assert_eq!(
///     v30["components"]["schemas"]["Name"],
///     json!({"type": "string", "nullable": true}),
/// );
/// ```
#[must_use]
pub fn downgrade(document: Value) -> Value {
    let Value::Object(top) = document else {
        return document;
    };
    let mut out = Object::new();
    for (key, value) in top {
        let value = match key.as_str() {
            "openapi" => Value::from(VERSION),
            "info" => info(value),
            "paths" => extensible(value, path_item),
            "components" => components(value),
            "webhooks" | "jsonSchemaDialect" => continue,
            _ => value,
        };
        out.insert(key, value);
    }
    out.entry("paths").or_insert_with(|| json!({}));
    let types: HashMap<String, Value> = out
        .get("components")
        .and_then(|c| c.get("schemas"))
        .and_then(Value::as_object)
        .map(|schemas| {
            schemas
                .iter()
                .filter_map(|(name, s)| Some((format!("{SCHEMAS}{name}"), s.get("type")?.clone())))
                .collect()
        })
        .unwrap_or_default();
    let mut out = Value::Object(out);
    nullable_references(&mut out, &types);
    out
}

/// Where references to component schemas point.
const SCHEMAS: &str = "#/components/schemas/";

/// Makes every `nullable` schema whose only alternative is a reference,
/// `allOf: [{"$ref": …}]` without a `type`, a `oneOf` of the reference and
/// `null` (see the module's notes). `types` gives each reference's target's
/// `type`; a reference to a schema without one is left as it is.
fn nullable_references(value: &mut Value, types: &HashMap<String, Value>) {
    match value {
        Value::Object(map) => {
            for member in map.values_mut() {
                nullable_references(member, types);
            }
            let nullable = map.get("nullable") == Some(&Value::Bool(true));
            if !nullable || map.contains_key("type") || map.contains_key("oneOf") {
                return;
            }
            let Some(Value::Array(all_of)) = map.get("allOf") else {
                return;
            };
            let [reference] = all_of.as_slice() else {
                return;
            };
            let target = reference.get("$ref").and_then(Value::as_str);
            let Some(kind) = target.and_then(|target| types.get(target)) else {
                return;
            };
            let only_null = json!({"type": kind, "nullable": true, "enum": [null]});
            let reference = reference.clone();
            map.remove("nullable");
            map.remove("allOf");
            map.insert("oneOf".into(), json!([reference, only_null]));
        }
        Value::Array(items) => {
            for item in items {
                nullable_references(item, types);
            }
        }
        _ => {}
    }
}

/// The Info Object without 3.1's `summary` and `license.identifier`.
fn info(value: Value) -> Value {
    fields(value, |key, value| match key {
        "summary" => None,
        "license" => Some(license(value)),
        _ => Some(value),
    })
}

/// The License Object without `identifier`; MIT gets its `url`.
fn license(value: Value) -> Value {
    let Value::Object(mut map) = value else {
        return value;
    };
    let identifier = map.remove("identifier");
    let mit = identifier.as_ref().and_then(Value::as_str) == Some("MIT")
        || map.get("name").and_then(Value::as_str) == Some("MIT");
    if mit && !map.contains_key("url") {
        map.insert("url".into(), Value::from(MIT_URL));
    }
    Value::Object(map)
}

/// The Components Object: schemas and the referenceable objects converted,
/// `pathItems` dropped.
fn components(value: Value) -> Value {
    fields(value, |key, value| match key {
        "schemas" => Some(each(value, schema)),
        "responses" | "parameters" | "requestBodies" | "headers" => Some(each(value, carrier)),
        "examples" => Some(examples(value)),
        "callbacks" => Some(each(value, callback)),
        "pathItems" => None,
        _ => Some(value),
    })
}

/// A Path Item Object: its operations and parameters converted.
fn path_item(value: Value) -> Value {
    fields(value, |key, value| {
        Some(match key {
            "parameters" => items(value, carrier),
            _ if METHODS.contains(&key) => operation(value),
            _ => value,
        })
    })
}

/// An Operation Object.
fn operation(value: Value) -> Value {
    fields(value, |key, value| {
        Some(match key {
            "parameters" => items(value, carrier),
            "requestBody" => carrier(value),
            "responses" => extensible(value, carrier),
            "callbacks" => each(value, callback),
            _ => value,
        })
    })
}

/// A Callback Object (or a reference to one): a map of Path Items.
fn callback(value: Value) -> Value {
    reference_or(value, |value| extensible(value, path_item))
}

/// A Parameter, Header, Request Body, Response, Media Type or Encoding Object
/// (or a reference to one): whatever holds a `schema`, `content`, `headers`,
/// `encoding` or `examples`.
fn carrier(value: Value) -> Value {
    reference_or(value, |value| {
        let has_example = value.get("example").is_some();
        let mut out = Object::new();
        let Value::Object(map) = value else {
            return value;
        };
        for (key, value) in map {
            let value = match key.as_str() {
                "schema" => schema(value),
                "content" | "headers" | "encoding" => each(value, carrier),
                "examples" => match value {
                    Value::Array(values) => {
                        if let (false, Some(first)) = (has_example, values.into_iter().next()) {
                            out.insert("example".into(), first);
                        }
                        continue;
                    }
                    map => examples(map),
                },
                _ => value,
            };
            out.insert(key, value);
        }
        Value::Object(out)
    })
}

/// A map of Example Objects: references keep only `$ref`, bare values are
/// wrapped as `{"value": …}`.
fn examples(value: Value) -> Value {
    each(value, |example| {
        let is_example = example.as_object().is_some_and(|map| {
            map.keys().all(|key| {
                key.starts_with("x-")
                    || ["summary", "description", "value", "externalValue", "$ref"]
                        .contains(&key.as_str())
            })
        });
        if is_example {
            reference_or(example, |example| example)
        } else {
            json!({ "value": example })
        }
    })
}

/// A Reference Object keeps only its `$ref`; anything else goes through
/// `convert`.
fn reference_or(value: Value, convert: impl FnOnce(Value) -> Value) -> Value {
    match value {
        Value::Object(mut map) if map.contains_key("$ref") => {
            map.retain(|key, _| key == "$ref");
            Value::Object(map)
        }
        other => convert(other),
    }
}

/// Rebuilds an object entry by entry: `convert` maps each value, or drops it
/// with `None`. Non-objects pass through.
fn fields(value: Value, mut convert: impl FnMut(&str, Value) -> Option<Value>) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter_map(|(key, value)| convert(&key, value).map(|value| (key, value)))
                .collect(),
        ),
        other => other,
    }
}

/// Converts every value of a map.
fn each(value: Value, mut convert: impl FnMut(Value) -> Value) -> Value {
    fields(value, |_, value| Some(convert(value)))
}

/// Converts every value of a map except `x-` extensions (Paths, Responses and
/// Callback Objects may carry them).
fn extensible(value: Value, mut convert: impl FnMut(Value) -> Value) -> Value {
    fields(value, |key, value| {
        Some(if key.starts_with("x-") {
            value
        } else {
            convert(value)
        })
    })
}

/// Converts every item of an array.
fn items(value: Value, convert: impl FnMut(Value) -> Value) -> Value {
    match value {
        Value::Array(values) => Value::Array(values.into_iter().map(convert).collect()),
        other => other,
    }
}

/// A Schema Object, 3.1 (JSON Schema 2020-12) to 3.0.
fn schema(value: Value) -> Value {
    match value {
        Value::Bool(true) => json!({}),
        Value::Bool(false) => json!({ "not": {} }),
        Value::Object(map) => Value::Object(SchemaRewrite::new(&map).run(map)),
        other => other,
    }
}

/// The state of one schema object's rewrite: facts read from the input before
/// the walk, and what the walk found that is added after it.
#[derive(Default)]
#[allow(clippy::struct_excessive_bools)]
struct SchemaRewrite {
    /// Keys of the input object.
    keys: Vec<String>,
    /// `minimum` and its `exclusiveMinimum`, merged.
    lower: Vec<(&'static str, Value)>,
    /// `maximum` and its `exclusiveMaximum`, merged.
    upper: Vec<(&'static str, Value)>,
    /// Whether the merged lower (upper) bound has been written.
    lower_done: bool,
    /// See `lower_done`.
    upper_done: bool,
    /// `format` derived from `contentEncoding`/`contentMediaType`.
    format: Option<&'static str>,
    /// The `prefixItems`, if any.
    prefix: Option<Vec<Value>>,
    /// `null` is allowed.
    nullable: bool,
    /// Only `null` is allowed.
    null_only: bool,
    /// Schemas to add to `allOf`.
    all_of: Vec<Value>,
    /// Entries to add at the end unless present.
    trailing: Vec<(&'static str, Value)>,
}

impl SchemaRewrite {
    /// Reads the facts the walk needs from `map`.
    fn new(map: &Object) -> Self {
        let format = if map.contains_key("format") {
            None
        } else {
            let media = map.get("contentMediaType").and_then(Value::as_str);
            match map.get("contentEncoding").and_then(Value::as_str) {
                Some("base64" | "base64url") => Some("byte"),
                Some("binary") => Some("binary"),
                None if media.is_some_and(is_binary_media) => Some("binary"),
                _ => None,
            }
        };
        Self {
            keys: map.keys().cloned().collect(),
            lower: bound(map, "minimum", "exclusiveMinimum", true),
            upper: bound(map, "maximum", "exclusiveMaximum", false),
            format,
            prefix: match map.get("prefixItems") {
                Some(Value::Array(prefix)) => Some(prefix.clone()),
                _ => None,
            },
            ..Self::default()
        }
    }

    /// Whether the input object has `key`.
    fn has(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }

    /// Rewrites `map`, then applies what the walk collected.
    fn run(mut self, map: Object) -> Object {
        let mut out = Object::new();
        for (key, value) in map {
            self.entry(&mut out, key, value);
        }
        self.finish(out)
    }

    /// Writes the 3.0 form of one input entry into `out`.
    fn entry(&mut self, out: &mut Object, key: String, value: Value) {
        if key.starts_with("x-") {
            out.insert(key, value);
            return;
        }
        match key.as_str() {
            "type" => self.schema_type(out, value),
            "oneOf" | "anyOf" => self.alternatives(out, key, value),
            "allOf" => {
                out.insert(key, items(value, schema));
            }
            "not" => {
                out.insert(key, schema(value));
            }
            "properties" => {
                out.insert(key, each(value, schema));
            }
            "additionalProperties" => {
                let value = if value.is_boolean() {
                    value
                } else {
                    schema(value)
                };
                out.insert(key, value);
            }
            "items" => self.array_items(out, Some(value)),
            "prefixItems" => {
                if !self.has("items") {
                    self.array_items(out, None);
                }
            }
            "minimum" | "exclusiveMinimum" if !self.lower_done => {
                self.lower_done = true;
                out.extend(self.lower.drain(..).map(|(k, v)| (k.to_owned(), v)));
            }
            "maximum" | "exclusiveMaximum" if !self.upper_done => {
                self.upper_done = true;
                out.extend(self.upper.drain(..).map(|(k, v)| (k.to_owned(), v)));
            }
            "minimum" | "exclusiveMinimum" | "maximum" | "exclusiveMaximum" => {}
            "const" => {
                self.nullable |= value.is_null();
                out.insert("enum".into(), Value::Array(vec![value]));
            }
            "enum" if self.has("const") => {}
            "examples" => {
                if let (Value::Array(values), false) = (value, self.has("example"))
                    && let Some(first) = values.into_iter().next()
                {
                    out.insert("example".into(), first);
                }
            }
            "contentEncoding" | "contentMediaType" => {
                if let Some(format) = self.format.take() {
                    out.insert("format".into(), Value::from(format));
                }
            }
            _ if DROPPED.contains(&key.as_str()) => {}
            _ => {
                out.insert(key, value);
            }
        }
    }

    /// `type`: a list becomes one type, `nullable` or an `anyOf` of types.
    fn schema_type(&mut self, out: &mut Object, value: Value) {
        let types = match value {
            Value::Array(types) => types,
            Value::String(name) if name == "null" => vec![Value::from(name)],
            other => {
                out.insert("type".into(), other);
                return;
            }
        };
        let (nulls, mut types): (Vec<Value>, Vec<Value>) =
            types.into_iter().partition(|t| t == "null");
        self.nullable |= !nulls.is_empty();
        match types.len() {
            0 => self.null_only = true,
            1 => {
                out.insert("type".into(), types.remove(0));
            }
            _ => {
                let one_of_each: Vec<Value> =
                    types.into_iter().map(|t| json!({ "type": t })).collect();
                if self.has("anyOf") {
                    self.all_of.push(json!({ "anyOf": one_of_each }));
                } else {
                    out.insert("anyOf".into(), Value::Array(one_of_each));
                }
            }
        }
    }

    /// `oneOf`/`anyOf`: `null` alternatives become `nullable`; a single
    /// remaining alternative is hoisted.
    fn alternatives(&mut self, out: &mut Object, key: String, value: Value) {
        let Value::Array(alternatives) = value else {
            out.insert(key, schema(value));
            return;
        };
        let (nulls, rest): (Vec<Value>, Vec<Value>) =
            alternatives.into_iter().partition(is_null_schema);
        let mut rest: Vec<Value> = rest.into_iter().map(schema).collect();
        if nulls.is_empty() {
            out.insert(key, Value::Array(rest));
            return;
        }
        self.nullable = true;
        match rest.len() {
            0 => self.null_only = true,
            1 => self.hoist(out, &key, rest.remove(0)),
            _ => {
                out.insert(key, Value::Array(rest));
            }
        }
    }

    /// Puts the one schema left of a `oneOf`/`anyOf` in its place.
    fn hoist(&mut self, out: &mut Object, from: &str, alternative: Value) {
        let Value::Object(mut map) = alternative else {
            return;
        };
        if map.remove("nullable") == Some(Value::Bool(true)) {
            self.nullable = true;
        }
        let is_ref = map.len() == 1 && map.contains_key("$ref");
        let clashes = map
            .keys()
            .any(|key| out.contains_key(key) || (key != from && self.has(key)));
        if is_ref && !self.has("allOf") && !out.contains_key("allOf") {
            out.insert("allOf".into(), json!([map]));
        } else if is_ref || clashes {
            self.all_of.push(Value::Object(map));
        } else {
            out.extend(map);
        }
    }

    /// `items` (given) or `prefixItems` alone (`None`): one 3.0 `items`.
    fn array_items(&mut self, out: &mut Object, items: Option<Value>) {
        let Some(prefix) = self.prefix.take() else {
            let value = match items {
                Some(Value::Bool(false)) => {
                    self.trailing.push(("maxItems", Value::from(0)));
                    json!({})
                }
                Some(items) => schema(items),
                None => json!({}),
            };
            out.insert("items".into(), value);
            return;
        };
        let mut members: Vec<Value> = Vec::new();
        let rest = match items {
            Some(Value::Bool(false)) => {
                self.trailing.push(("maxItems", Value::from(prefix.len())));
                None
            }
            other => other,
        };
        for member in prefix.into_iter().chain(rest).map(schema) {
            if !members.contains(&member) {
                members.push(member);
            }
        }
        let value = match members.len() {
            0 => json!({}),
            1 => members.remove(0),
            _ if members.contains(&json!({})) => json!({}),
            _ => json!({ "anyOf": members }),
        };
        out.insert("items".into(), value);
    }

    /// Adds what the walk collected: `allOf` members, `nullable`, `enum:
    /// [null]`, trailing entries, `items` of arrays; wraps a `$ref` that has
    /// siblings.
    fn finish(mut self, mut out: Object) -> Object {
        if self.null_only && !out.contains_key("enum") {
            out.insert("enum".into(), json!([null]));
        }
        if !self.all_of.is_empty() {
            match out.get_mut("allOf") {
                Some(Value::Array(all_of)) => all_of.append(&mut self.all_of),
                _ => {
                    out.insert("allOf".into(), Value::Array(self.all_of));
                }
            }
        }
        for (key, value) in self.trailing {
            out.entry(key).or_insert(value);
        }
        if out.get("type").and_then(Value::as_str) == Some("array") && !out.contains_key("items") {
            out = insert_after(out, "type", "items", json!({}));
        }
        if out.contains_key("$ref") && out.len() > 1 {
            out = wrap_ref(out);
        }
        if self.nullable {
            out = insert_after(out, "type", "nullable", Value::Bool(true));
        }
        out
    }
}

/// The 3.0 form of an inclusive bound and its exclusive twin: a numeric
/// exclusive bound becomes the bound plus `exclusive…: true`, and the stricter
/// of the two wins when both are numbers.
fn bound(
    map: &Object,
    inclusive: &'static str,
    exclusive: &'static str,
    lower: bool,
) -> Vec<(&'static str, Value)> {
    let limit = map.get(inclusive).cloned();
    match (limit, map.get(exclusive).cloned()) {
        (limit, Some(Value::Bool(flag))) => limit
            .map(|limit| (inclusive, limit))
            .into_iter()
            .chain([(exclusive, Value::Bool(flag))])
            .collect(),
        (limit, Some(Value::Number(open))) => {
            let stricter = match limit.as_ref().and_then(Value::as_f64) {
                Some(closed) => {
                    let open = open.as_f64().unwrap_or(f64::NAN);
                    if lower {
                        open >= closed
                    } else {
                        open <= closed
                    }
                }
                None => true,
            };
            if stricter {
                vec![
                    (inclusive, Value::Number(open)),
                    (exclusive, Value::Bool(true)),
                ]
            } else {
                limit.map(|limit| (inclusive, limit)).into_iter().collect()
            }
        }
        (limit, _) => limit.map(|limit| (inclusive, limit)).into_iter().collect(),
    }
}

/// Whether a `contentMediaType` names bytes rather than text.
fn is_binary_media(media: &str) -> bool {
    let media = media.to_ascii_lowercase();
    !(media.starts_with("text/") || media.contains("json") || media.contains("xml"))
}

/// Whether a schema accepts `null` only (`type: "null"`, `const: null`,
/// `enum: [null]`), annotations aside.
fn is_null_schema(value: &Value) -> bool {
    let Some(map) = value.as_object() else {
        return false;
    };
    let says_null = map
        .get("type")
        .is_some_and(|t| t == "null" || *t == json!(["null"]))
        || map.get("const").is_some_and(Value::is_null)
        || map.get("enum").is_some_and(|e| *e == json!([null]));
    says_null
        && map.keys().all(|key| {
            key.starts_with("x-")
                || ANNOTATIONS.contains(&key.as_str())
                || ["type", "const", "enum"].contains(&key.as_str())
        })
}

/// `{"$ref": r, siblings…}` → `{"allOf": [{"$ref": r}, …], siblings…}`, in
/// the place of the `$ref`; an existing `allOf` joins after the reference.
fn wrap_ref(mut map: Object) -> Object {
    let existing = match map.remove("allOf") {
        Some(Value::Array(all_of)) => all_of,
        Some(other) => vec![other],
        None => Vec::new(),
    };
    let mut existing = Some(existing);
    map.into_iter()
        .map(|(key, value)| {
            if key == "$ref" {
                let mut all_of = vec![json!({ "$ref": value })];
                all_of.extend(existing.take().unwrap_or_default());
                ("allOf".to_owned(), Value::Array(all_of))
            } else {
                (key, value)
            }
        })
        .collect()
}

/// Sets `key` to `value`: in place if present, else right after `anchor`, else
/// at the end.
fn insert_after(map: Object, anchor: &str, key: &str, value: Value) -> Object {
    if map.contains_key(key) || !map.contains_key(anchor) {
        let mut map = map;
        map.insert(key.to_owned(), value);
        return map;
    }
    let mut out = Object::new();
    let mut value = Some(value);
    for (k, v) in map {
        let after = k == anchor;
        out.insert(k, v);
        if after && let Some(value) = value.take() {
            out.insert(key.to_owned(), value);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Downgrades a document holding `schema` as component `S` and returns it.
    fn convert_schema(schema: Value) -> Value {
        let mut doc = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {},
            "components": {"schemas": {}},
        });
        doc["components"]["schemas"]["S"] = schema;
        downgrade(doc)["components"]["schemas"]["S"].take()
    }

    /// Every object of the document's structure in `value`, depth first, with
    /// the key it stands under: not maps keyed by names (`properties`,
    /// `schemas`, …) themselves, nor example or default values.
    fn objects<'a>(value: &'a Value, key: &'a str, found: &mut Vec<(&'a str, &'a Object)>) {
        const NAMED: &[&str] = &[
            "properties",
            "schemas",
            "paths",
            "responses",
            "parameters",
            "headers",
            "content",
            "encoding",
            "links",
            "callbacks",
            "securitySchemes",
        ];
        match value {
            Value::Object(map) => {
                if !NAMED.contains(&key) || map.contains_key("$ref") {
                    found.push((key, map));
                }
                for (k, v) in map {
                    if !["example", "examples", "default", "enum", "value"].contains(&k.as_str()) {
                        objects(v, k, found);
                    }
                }
            }
            Value::Array(values) => {
                for v in values {
                    objects(v, "[]", found);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn version_becomes_3_0_3() {
        let v30 = downgrade(json!({"openapi": "3.1.0", "info": {}, "paths": {}}));
        assert_eq!(v30["openapi"], "3.0.3");
    }

    #[test]
    fn missing_paths_become_an_empty_object() {
        let v30 = downgrade(json!({"openapi": "3.1.0", "info": {}}));
        assert_eq!(v30["paths"], json!({}));
    }

    #[test]
    fn license_identifier_is_dropped_and_mit_gets_its_url() {
        let v30 = downgrade(json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "summary": "s", "license": {"name": "MIT", "identifier": "MIT"}, "version": "1"},
        }));
        assert_eq!(
            v30["info"],
            json!({"title": "t", "license": {"name": "MIT", "url": MIT_URL}, "version": "1"})
        );
    }

    #[test]
    fn license_with_a_url_keeps_it() {
        let v30 = downgrade(json!({
            "openapi": "3.1.0",
            "info": {"license": {"name": "MIT", "identifier": "MIT", "url": "https://x.test/l"}},
        }));
        assert_eq!(
            v30["info"]["license"],
            json!({"name": "MIT", "url": "https://x.test/l"})
        );
    }

    #[test]
    fn webhooks_dialect_and_path_item_components_are_dropped() {
        let v30 = downgrade(json!({
            "openapi": "3.1.0",
            "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
            "info": {},
            "paths": {},
            "webhooks": {"w": {}},
            "components": {"pathItems": {"p": {}}, "schemas": {}},
        }));
        assert_eq!(
            v30,
            json!({"openapi": "3.0.3", "info": {}, "paths": {}, "components": {"schemas": {}}})
        );
    }

    #[test]
    fn nullable_type_list_becomes_type_and_nullable() {
        assert_eq!(
            convert_schema(json!({"type": ["string", "null"], "format": "date"})),
            json!({"type": "string", "nullable": true, "format": "date"})
        );
    }

    #[test]
    fn a_nullable_reference_becomes_one_of_it_and_null() {
        let doc = json!({
            "openapi": "3.1.0",
            "paths": {},
            "components": {"schemas": {
                "Ref": {"type": "object", "properties": {}},
                "Kind": {"type": "string", "enum": ["a"]},
                "Free": {"description": "any"},
                "Answer": {"type": "object", "properties": {
                    "ref": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Ref"}]},
                    "kind": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Kind"}]},
                    "free": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Free"}]},
                }},
            }},
        });
        let v30 = downgrade(doc);
        let properties = &v30["components"]["schemas"]["Answer"]["properties"];
        assert_eq!(
            properties["ref"],
            json!({"oneOf": [
                {"$ref": "#/components/schemas/Ref"},
                {"type": "object", "nullable": true, "enum": [null]},
            ]})
        );
        assert_eq!(properties["kind"]["oneOf"][1]["type"], "string");
        // No type for the null alternative: left as it was.
        assert_eq!(
            properties["free"],
            json!({"allOf": [{"$ref": "#/components/schemas/Free"}], "nullable": true})
        );
    }

    #[test]
    fn single_type_list_becomes_a_plain_type() {
        assert_eq!(
            convert_schema(json!({"type": ["integer"]})),
            json!({"type": "integer"})
        );
    }

    #[test]
    fn null_only_type_becomes_nullable_enum_of_null() {
        assert_eq!(
            convert_schema(json!({"type": ["null"], "description": "d"})),
            json!({"description": "d", "enum": [null], "nullable": true})
        );
        assert_eq!(
            convert_schema(json!({"type": "null"})),
            json!({"enum": [null], "nullable": true})
        );
    }

    #[test]
    fn several_types_become_any_of_single_types() {
        assert_eq!(
            convert_schema(json!({"type": ["string", "integer", "null"], "minimum": 0})),
            json!({
                "anyOf": [{"type": "string"}, {"type": "integer"}],
                "minimum": 0,
                "nullable": true,
            })
        );
    }

    #[test]
    fn several_types_beside_any_of_go_into_all_of() {
        assert_eq!(
            convert_schema(
                json!({"type": ["string", "number"], "anyOf": [{"minLength": 1}, {"minimum": 1}]})
            ),
            json!({
                "anyOf": [{"minLength": 1}, {"minimum": 1}],
                "allOf": [{"anyOf": [{"type": "string"}, {"type": "number"}]}],
            })
        );
    }

    #[test]
    fn one_of_null_and_a_ref_becomes_all_of_ref_and_nullable() {
        assert_eq!(
            convert_schema(
                json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/A"}]})
            ),
            json!({"allOf": [{"$ref": "#/components/schemas/A"}], "nullable": true})
        );
    }

    #[test]
    fn one_of_a_described_ref_and_null_hoists_the_description() {
        assert_eq!(
            convert_schema(json!({"oneOf": [
                {"$ref": "#/components/schemas/A", "description": "d"},
                {"type": "null"},
            ]})),
            json!({"allOf": [{"$ref": "#/components/schemas/A"}], "description": "d", "nullable": true})
        );
    }

    #[test]
    fn any_of_null_and_an_inline_schema_merges_it() {
        assert_eq!(
            convert_schema(
                json!({"description": "d", "anyOf": [{"type": "string"}, {"type": "null"}]})
            ),
            json!({"description": "d", "type": "string", "nullable": true})
        );
    }

    #[test]
    fn hoisted_schema_that_clashes_goes_into_all_of() {
        assert_eq!(
            convert_schema(
                json!({"description": "outer", "anyOf": [{"type": "string", "description": "inner"}, {"const": null}]})
            ),
            json!({"description": "outer", "allOf": [{"type": "string", "description": "inner"}], "nullable": true})
        );
    }

    #[test]
    fn one_of_with_several_alternatives_and_null_keeps_them_and_is_nullable() {
        assert_eq!(
            convert_schema(
                json!({"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]})
            ),
            json!({"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": true})
        );
    }

    #[test]
    fn one_of_without_null_is_untouched() {
        let input = json!({"oneOf": [{"$ref": "#/components/schemas/A"}], "discriminator": {"propertyName": "k"}});
        assert_eq!(convert_schema(input.clone()), input);
    }

    #[test]
    fn ref_with_siblings_is_wrapped_in_all_of() {
        assert_eq!(
            convert_schema(
                json!({"$ref": "#/components/schemas/A", "description": "d", "readOnly": true})
            ),
            json!({"allOf": [{"$ref": "#/components/schemas/A"}], "description": "d", "readOnly": true})
        );
    }

    #[test]
    fn ref_with_all_of_sibling_joins_it() {
        assert_eq!(
            convert_schema(
                json!({"$ref": "#/components/schemas/A", "allOf": [{"required": ["x"]}]})
            ),
            json!({"allOf": [{"$ref": "#/components/schemas/A"}, {"required": ["x"]}]})
        );
    }

    #[test]
    fn bare_ref_is_untouched() {
        let input = json!({"$ref": "#/components/schemas/A"});
        assert_eq!(convert_schema(input.clone()), input);
    }

    #[test]
    fn ref_whose_siblings_are_all_dropped_stays_bare() {
        assert_eq!(
            convert_schema(json!({"$ref": "#/components/schemas/A", "$comment": "c"})),
            json!({"$ref": "#/components/schemas/A"})
        );
    }

    #[test]
    fn schema_examples_array_becomes_its_first_example() {
        assert_eq!(
            convert_schema(json!({"type": "string", "examples": ["a", "b"]})),
            json!({"type": "string", "example": "a"})
        );
        assert_eq!(
            convert_schema(json!({"type": "string", "example": "x", "examples": ["a"]})),
            json!({"type": "string", "example": "x"})
        );
        assert_eq!(convert_schema(json!({"examples": []})), json!({}));
    }

    #[test]
    fn media_type_and_parameter_examples_maps_are_kept() {
        let doc = json!({
            "openapi": "3.1.0",
            "paths": {"/p": {"get": {
                "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"},
                    "examples": {"one": {"summary": "s", "value": "a"}}}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {
                    "schema": {"type": "object"},
                    "examples": {"e": {"value": {"k": 1}}, "r": {"$ref": "#/components/examples/X", "summary": "s"}},
                }}}},
            }}},
        });
        let v30 = downgrade(doc);
        let op = &v30["paths"]["/p"]["get"];
        assert_eq!(
            op["parameters"][0]["examples"],
            json!({"one": {"summary": "s", "value": "a"}})
        );
        assert_eq!(
            op["responses"]["200"]["content"]["application/json"]["examples"],
            json!({"e": {"value": {"k": 1}}, "r": {"$ref": "#/components/examples/X"}})
        );
    }

    #[test]
    fn media_type_examples_array_and_bare_values_are_made_valid() {
        let doc = json!({
            "openapi": "3.1.0",
            "paths": {"/p": {"post": {
                "requestBody": {"content": {
                    "application/json": {"examples": [1, 2]},
                    "text/plain": {"examples": {"bare": "hi"}},
                }},
                "responses": {},
            }}},
        });
        let v30 = downgrade(doc);
        let content = &v30["paths"]["/p"]["post"]["requestBody"]["content"];
        assert_eq!(content["application/json"], json!({"example": 1}));
        assert_eq!(
            content["text/plain"]["examples"],
            json!({"bare": {"value": "hi"}})
        );
    }

    #[test]
    fn numeric_exclusive_bounds_become_boolean_flags() {
        assert_eq!(
            convert_schema(
                json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10})
            ),
            json!({"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 10, "exclusiveMaximum": true})
        );
    }

    #[test]
    fn the_stricter_of_inclusive_and_exclusive_bounds_wins() {
        assert_eq!(
            convert_schema(
                json!({"minimum": 5, "exclusiveMinimum": 0, "maximum": 3, "exclusiveMaximum": 3})
            ),
            json!({"minimum": 5, "maximum": 3, "exclusiveMaximum": true})
        );
    }

    #[test]
    fn boolean_exclusive_bounds_pass_through() {
        let input = json!({"minimum": 0, "exclusiveMinimum": true});
        assert_eq!(convert_schema(input.clone()), input);
    }

    #[test]
    fn const_becomes_a_one_value_enum() {
        assert_eq!(
            convert_schema(json!({"type": "string", "const": "Feature"})),
            json!({"type": "string", "enum": ["Feature"]})
        );
        assert_eq!(
            convert_schema(json!({"enum": ["a", "b"], "const": "a"})),
            json!({"enum": ["a"]})
        );
    }

    #[test]
    fn content_keywords_are_dropped_or_become_formats() {
        assert_eq!(
            convert_schema(
                json!({"type": "string", "contentEncoding": "base64", "contentMediaType": "image/png"})
            ),
            json!({"type": "string", "format": "byte"})
        );
        assert_eq!(
            convert_schema(
                json!({"type": "string", "contentMediaType": "application/octet-stream"})
            ),
            json!({"type": "string", "format": "binary"})
        );
        assert_eq!(
            convert_schema(json!({"type": "string", "contentMediaType": "application/json"})),
            json!({"type": "string"})
        );
        assert_eq!(
            convert_schema(json!({"type": "string", "format": "uri", "contentEncoding": "base64"})),
            json!({"type": "string", "format": "uri"})
        );
    }

    #[test]
    fn prefix_items_with_items_false_become_items_and_max_items() {
        assert_eq!(
            convert_schema(
                json!({"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}], "items": false})
            ),
            json!({"type": "array", "items": {"type": "number"}, "maxItems": 2})
        );
    }

    #[test]
    fn mixed_prefix_items_become_any_of_items() {
        assert_eq!(
            convert_schema(
                json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}], "items": {"type": "boolean"}})
            ),
            json!({"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]}})
        );
        assert_eq!(
            convert_schema(json!({"type": "array", "prefixItems": [{"type": "string"}]})),
            json!({"type": "array", "items": {"type": "string"}})
        );
    }

    #[test]
    fn array_without_items_gets_an_empty_items_schema() {
        assert_eq!(
            convert_schema(json!({"type": "array", "description": "d"})),
            json!({"type": "array", "items": {}, "description": "d"})
        );
        assert_eq!(
            convert_schema(json!({"type": "array", "items": false})),
            json!({"type": "array", "items": {}, "maxItems": 0})
        );
    }

    #[test]
    fn json_schema_only_keywords_are_dropped() {
        assert_eq!(
            convert_schema(json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$id": "x", "$defs": {"d": {}}, "$comment": "c",
                "type": "object",
                "if": {}, "then": {}, "else": {},
                "dependentSchemas": {"a": {}}, "dependentRequired": {"a": ["b"]},
                "patternProperties": {"^x": {}}, "propertyNames": {"maxLength": 3},
                "unevaluatedProperties": false,
                "contains": {}, "minContains": 1,
            })),
            json!({"type": "object"})
        );
    }

    #[test]
    fn boolean_schemas_become_objects_but_additional_properties_keeps_booleans() {
        assert_eq!(
            convert_schema(
                json!({"type": "object", "properties": {"a": true, "b": false}, "additionalProperties": false})
            ),
            json!({"type": "object", "properties": {"a": {}, "b": {"not": {}}}, "additionalProperties": false})
        );
    }

    #[test]
    fn additional_properties_schema_is_kept_and_converted() {
        assert_eq!(
            convert_schema(
                json!({"type": "object", "additionalProperties": {"type": ["number", "null"]}})
            ),
            json!({"type": "object", "additionalProperties": {"type": "number", "nullable": true}})
        );
    }

    #[test]
    fn nested_schemas_are_converted_everywhere() {
        let v30 = convert_schema(json!({
            "type": "object",
            "properties": {
                "list": {"type": "array", "items": {"type": ["string", "null"]}},
                "all": {"allOf": [{"const": 1}]},
                "not": {"not": {"type": ["null"]}},
            },
        }));
        assert_eq!(
            v30["properties"]["list"]["items"],
            json!({"type": "string", "nullable": true})
        );
        assert_eq!(v30["properties"]["all"]["allOf"][0], json!({"enum": [1]}));
        assert_eq!(
            v30["properties"]["not"]["not"],
            json!({"enum": [null], "nullable": true})
        );
    }

    #[test]
    fn schemas_in_parameters_bodies_responses_headers_and_callbacks_are_converted() {
        let nullable = json!({"type": ["string", "null"]});
        let converted = json!({"type": "string", "nullable": true});
        let doc = json!({
            "openapi": "3.1.0",
            "paths": {"/p": {
                "parameters": [{"name": "a", "in": "query", "schema": nullable}],
                "post": {
                    "parameters": [{"name": "b", "in": "query", "content": {"application/json": {"schema": nullable}}}],
                    "requestBody": {"content": {"multipart/form-data": {
                        "schema": nullable,
                        "encoding": {"f": {"headers": {"H": {"schema": nullable}}}},
                    }}},
                    "responses": {"200": {"description": "ok",
                        "headers": {"X": {"schema": nullable}},
                        "content": {"application/json": {"schema": nullable}}}},
                    "callbacks": {"cb": {"{$request.body#/url}": {"post": {"responses": {
                        "200": {"description": "ok", "content": {"text/plain": {"schema": nullable}}}}}}}},
                },
            }},
            "components": {"parameters": {"P": {"name": "p", "in": "query", "schema": nullable}}},
        });
        let v30 = downgrade(doc);
        let item = &v30["paths"]["/p"];
        let op = &item["post"];
        assert_eq!(item["parameters"][0]["schema"], converted);
        assert_eq!(
            op["parameters"][0]["content"]["application/json"]["schema"],
            converted
        );
        let body = &op["requestBody"]["content"]["multipart/form-data"];
        assert_eq!(body["schema"], converted);
        assert_eq!(body["encoding"]["f"]["headers"]["H"]["schema"], converted);
        assert_eq!(op["responses"]["200"]["headers"]["X"]["schema"], converted);
        assert_eq!(
            op["responses"]["200"]["content"]["application/json"]["schema"],
            converted
        );
        assert_eq!(
            op["callbacks"]["cb"]["{$request.body#/url}"]["post"]["responses"]["200"]["content"]["text/plain"]
                ["schema"],
            converted
        );
        assert_eq!(v30["components"]["parameters"]["P"]["schema"], converted);
    }

    #[test]
    fn non_schema_references_lose_their_siblings() {
        let v30 = downgrade(json!({
            "openapi": "3.1.0",
            "paths": {"/p": {"get": {
                "parameters": [{"$ref": "#/components/parameters/P", "description": "d"}],
                "responses": {"200": {"$ref": "#/components/responses/R", "summary": "s"}},
            }}},
        }));
        let op = &v30["paths"]["/p"]["get"];
        assert_eq!(
            op["parameters"][0],
            json!({"$ref": "#/components/parameters/P"})
        );
        assert_eq!(
            op["responses"]["200"],
            json!({"$ref": "#/components/responses/R"})
        );
    }

    #[test]
    fn examples_and_extensions_are_not_rewritten() {
        let input = json!({
            "type": "object",
            "x-raw": {"type": ["string", "null"]},
            "example": {"const": 1, "type": ["a"]},
            "default": {"examples": [1]},
        });
        assert_eq!(convert_schema(input.clone()), input);
    }

    #[test]
    fn plain_3_0_content_passes_through_in_order() {
        let doc = json!({
            "openapi": "3.1.0",
            "info": {"version": "1", "title": "t", "x-logo": {"url": "u"}},
            "servers": [{"url": "/"}],
            "paths": {"/b": {"get": {"operationId": "b", "tags": ["t"], "responses": {"x-e": 1, "200": {"description": "ok"}}}}, "/a": {}},
            "components": {"schemas": {"Z": {"type": "object", "required": ["z"], "properties": {"z": {"type": "integer", "minimum": 0}}}}},
            "tags": [{"name": "t"}],
        });
        let mut expected = doc.clone();
        expected["openapi"] = json!("3.0.3");
        let v30 = downgrade(doc);
        assert_eq!(v30, expected);
        assert_eq!(
            serde_json::to_string(&v30).unwrap(),
            serde_json::to_string(&expected).unwrap()
        );
    }

    #[test]
    fn real_document_is_openapi_3_0() {
        let doc = serde_json::to_value(crate::http::openapi()).unwrap();
        let v30 = downgrade(doc);
        assert_eq!(v30["openapi"], "3.0.3");
        assert!(v30["info"]["license"].get("identifier").is_none());
        assert!(
            v30.to_string().contains("\"nullable\":true"),
            "the document has nullable fields"
        );
        let mut found = Vec::new();
        objects(&v30, "", &mut found);
        for (key, map) in found {
            let at = || format!("{key}: {}", Value::Object(map.clone()));
            if let Some(kind) = map.get("type") {
                assert!(kind.is_string(), "type is not a string at {}", at());
                assert_ne!(kind, "null", "type null at {}", at());
            }
            if let Some(target) = map.get("$ref") {
                assert_eq!(map.len(), 1, "$ref with siblings at {}", at());
                let target = target.as_str().unwrap();
                assert!(
                    target.starts_with("#/components/"),
                    "external $ref {target}"
                );
                assert!(
                    v30.pointer(&target[1..]).is_some(),
                    "dangling $ref {target}"
                );
            }
            assert!(
                !map.get("examples").is_some_and(Value::is_array),
                "examples array at {}",
                at()
            );
            for keyword in ["const", "prefixItems", "$schema", "$defs", "$id"] {
                assert!(!map.contains_key(keyword), "{keyword} at {}", at());
            }
            for keyword in ["exclusiveMinimum", "exclusiveMaximum"] {
                assert!(
                    map.get(keyword).is_none_or(Value::is_boolean),
                    "numeric {keyword} at {}",
                    at()
                );
            }
        }
    }
}
