//! A Terraform root module: parsed with hcl-rs, evaluated with its
//! expression evaluator and Terraform's rules for variables, locals,
//! resources (`count`, `for_each`, nested and `dynamic` blocks) and outputs.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use hcl::eval::{Context, Evaluate};
use hcl::expr::{Expression, ObjectKey, TraversalOperator};
use hcl::structure::{Attribute, Block, Body, Structure};
use hcl::template::{Directive, Element, Template};
use hcl::{Map, Value};
use serde_json::Value as Json;

use crate::Error;
use crate::value::{canonical, from_json, to_json, type_name};
use crate::{functions, types};

/// Meta-arguments of a `resource` block: not part of the resource's object.
const RESOURCE_META_ATTRIBUTES: &[&str] = &["count", "for_each", "depends_on", "provider"];

/// A parsed Terraform root module.
#[derive(Debug, Clone)]
pub struct Module {
    variables: Vec<Variable>,
    locals: Vec<Named>,
    resources: Vec<Resource>,
    outputs: Vec<Named>,
    terraform: Vec<Body>,
}

#[derive(Debug, Clone)]
struct Variable {
    name: String,
    ty: Option<Expression>,
    default: Option<Expression>,
    nullable: bool,
}

/// A named expression: a local value or an output's `value`.
#[derive(Debug, Clone)]
struct Named {
    name: String,
    file: String,
    expr: Expression,
}

#[derive(Debug, Clone)]
struct Resource {
    kind: String,
    name: String,
    file: String,
    body: Body,
}

/// Which instance of a resource: none (no `count`/`for_each`), `count.index`
/// or `each.key`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum InstanceKey {
    /// A resource without `count` or `for_each`.
    Single,
    /// `count.index`.
    Index(u64),
    /// `each.key`.
    Key(String),
}

/// One evaluated resource instance.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceInstance {
    /// The resource type, such as `kubernetes_secret_v1`.
    pub resource_type: String,
    /// The resource name (second label).
    pub name: String,
    /// Which instance.
    pub key: InstanceKey,
    /// The evaluated arguments without the meta-arguments; a nested block is
    /// a list of objects under its name (as in Terraform's state).
    pub arguments: serde_json::Map<String, Json>,
}

impl ResourceInstance {
    /// The instance's address, `type.name`, `type.name[0]` or `type.name["key"]`.
    pub fn address(&self) -> String {
        match &self.key {
            InstanceKey::Single => format!("{}.{}", self.resource_type, self.name),
            InstanceKey::Index(i) => format!("{}.{}[{i}]", self.resource_type, self.name),
            InstanceKey::Key(k) => format!("{}.{}[{k:?}]", self.resource_type, self.name),
        }
    }
}

/// The result of evaluating a module with a set of variable values.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The variables, converted to their declared types.
    pub variables: BTreeMap<String, Json>,
    /// The local values.
    pub locals: BTreeMap<String, Json>,
    /// The resource instances, in declaration order (instances by key).
    pub resources: Vec<ResourceInstance>,
    /// The outputs.
    pub outputs: BTreeMap<String, Json>,
}

impl Module {
    /// Parses every `*.tf` file of `dir` (not recursing), in name order.
    ///
    /// # Errors
    ///
    /// When a file cannot be read or parsed, or uses a construct the
    /// evaluator does not support.
    pub fn load_dir(dir: &Path) -> Result<Module, Error> {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| Error::new(format!("{}: {e}", dir.display())))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "tf"))
            .collect();
        paths.sort();
        let mut sources = Vec::new();
        for path in paths {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            sources.push((name, text));
        }
        Module::from_sources(sources)
    }

    /// Parses a module from `(file name, text)` pairs.
    ///
    /// # Errors
    ///
    /// As [`Module::load_dir`].
    pub fn from_sources<I, N, T>(sources: I) -> Result<Module, Error>
    where
        I: IntoIterator<Item = (N, T)>,
        N: Into<String>,
        T: AsRef<str>,
    {
        let mut module = Module {
            variables: Vec::new(),
            locals: Vec::new(),
            resources: Vec::new(),
            outputs: Vec::new(),
            terraform: Vec::new(),
        };
        for (file, text) in sources {
            let file = file.into();
            let body = hcl::parse(text.as_ref()).map_err(|e| Error::new(format!("{file}: {e}")))?;
            module.add_file(&file, body)?;
        }
        module.check()?;
        Ok(module)
    }

    fn add_file(&mut self, file: &str, body: Body) -> Result<(), Error> {
        for structure in body {
            let block = match structure {
                Structure::Block(b) => b,
                Structure::Attribute(a) => {
                    return Err(Error::new(format!(
                        "{file}: unexpected top-level attribute {}",
                        a.key.as_str()
                    )));
                }
            };
            let labels: Vec<String> = block.labels.iter().map(|l| l.as_str().to_owned()).collect();
            let at = |what: &str| format!("{file}: {what}");
            match (block.identifier.as_str(), labels.as_slice()) {
                ("terraform", []) => self.terraform.push(block.body),
                // Provider configuration does not change the objects.
                ("provider", [_]) => {}
                ("variable", [name]) => {
                    let mut variable = Variable {
                        name: name.clone(),
                        ty: None,
                        default: None,
                        nullable: true,
                    };
                    for s in block.body {
                        match s {
                            Structure::Attribute(a) => match a.key.as_str() {
                                "type" => variable.ty = Some(a.expr),
                                "default" => variable.default = Some(a.expr),
                                "nullable" => {
                                    variable.nullable = !matches!(a.expr, Expression::Bool(false))
                                }
                                "description" | "sensitive" | "ephemeral" => {}
                                other => {
                                    return Err(Error::new(at(&format!(
                                        "variable {name}: unsupported argument {other}"
                                    ))));
                                }
                            },
                            Structure::Block(b) => {
                                return Err(Error::new(at(&format!(
                                    "variable {name}: unsupported block {}",
                                    b.identifier.as_str()
                                ))));
                            }
                        }
                    }
                    self.variables.push(variable);
                }
                ("locals", []) => {
                    for s in block.body {
                        match s {
                            Structure::Attribute(a) => self.locals.push(Named {
                                name: a.key.as_str().to_owned(),
                                file: file.to_owned(),
                                expr: a.expr,
                            }),
                            Structure::Block(b) => {
                                return Err(Error::new(at(&format!(
                                    "locals: unexpected block {}",
                                    b.identifier.as_str()
                                ))));
                            }
                        }
                    }
                }
                ("resource", [kind, name]) => self.resources.push(Resource {
                    kind: kind.clone(),
                    name: name.clone(),
                    file: file.to_owned(),
                    body: block.body,
                }),
                ("output", [name]) => {
                    let mut value = None;
                    for s in block.body {
                        match s {
                            Structure::Attribute(a) if a.key.as_str() == "value" => {
                                value = Some(a.expr)
                            }
                            Structure::Attribute(a)
                                if matches!(
                                    a.key.as_str(),
                                    "description" | "sensitive" | "depends_on"
                                ) => {}
                            other => {
                                return Err(Error::new(at(&format!(
                                    "output {name}: unsupported {other:?}"
                                ))));
                            }
                        }
                    }
                    let expr =
                        value.ok_or_else(|| Error::new(at(&format!("output {name}: no value"))))?;
                    self.outputs.push(Named {
                        name: name.clone(),
                        file: file.to_owned(),
                        expr,
                    });
                }
                (other, labels) => {
                    return Err(Error::new(at(&format!(
                        "the block {other} {labels:?} is not supported by this evaluator"
                    ))));
                }
            }
        }
        Ok(())
    }

    /// Names are unique; `depends_on` names declared resources; no `for`
    /// expression builds a list by iterating an object literal (Terraform
    /// iterates it in key order, hcl-rs in written order).
    fn check(&self) -> Result<(), Error> {
        let mut seen = BTreeSet::new();
        for v in &self.variables {
            if !seen.insert(format!("var.{}", v.name)) {
                return Err(Error::new(format!("variable {} is declared twice", v.name)));
            }
        }
        for l in &self.locals {
            if !seen.insert(format!("local.{}", l.name)) {
                return Err(Error::new(format!(
                    "{}: local.{} is declared twice",
                    l.file, l.name
                )));
            }
        }
        for r in &self.resources {
            if !seen.insert(format!("{}.{}", r.kind, r.name)) {
                return Err(Error::new(format!(
                    "{}: {}.{} is declared twice",
                    r.file, r.kind, r.name
                )));
            }
        }
        for o in &self.outputs {
            if !seen.insert(format!("output.{}", o.name)) {
                return Err(Error::new(format!(
                    "{}: output {} is declared twice",
                    o.file, o.name
                )));
            }
        }
        let declared: BTreeSet<(String, String)> = self
            .resources
            .iter()
            .map(|r| (r.kind.clone(), r.name.clone()))
            .collect();
        let mut exprs: Vec<(String, &Expression)> = Vec::new();
        for l in &self.locals {
            exprs.push((format!("local.{}", l.name), &l.expr));
        }
        for o in &self.outputs {
            exprs.push((format!("output.{}", o.name), &o.expr));
        }
        for r in &self.resources {
            let address = format!("{}.{}", r.kind, r.name);
            for attr in r.body.attributes() {
                if attr.key.as_str() == "depends_on" {
                    check_depends_on(&address, attr, &declared)?;
                }
            }
            collect_body_exprs(&address, &r.body, &mut exprs);
        }
        for (at, expr) in exprs {
            let mut problem = None;
            walk(expr, &mut |e| {
                if let Expression::ForExpr(f) = e
                    && f.key_expr.is_none()
                    && matches!(f.collection_expr, Expression::Object(_))
                {
                    problem.get_or_insert_with(|| {
                        format!(
                            "{at}: a list built by iterating an object literal has Terraform's key order, not the written one; iterate sort(keys(...)) or a list"
                        )
                    });
                }
            });
            if let Some(p) = problem {
                return Err(Error::new(p));
            }
        }
        Ok(())
    }

    /// The `required_providers` of the `terraform` blocks: name → object
    /// (`source`, `version`), as JSON.
    ///
    /// # Errors
    ///
    /// When the block does not evaluate without variables.
    pub fn required_providers(&self) -> Result<BTreeMap<String, Json>, Error> {
        let mut out = BTreeMap::new();
        for body in &self.terraform {
            for block in body
                .blocks()
                .filter(|b| b.identifier.as_str() == "required_providers")
            {
                for attr in block.body.attributes() {
                    let value = attr
                        .expr
                        .evaluate(&Context::new())
                        .map_err(|e| Error::new(format!("required_providers: {e}")))?;
                    out.insert(attr.key.as_str().to_owned(), to_json(&value));
                }
            }
        }
        Ok(out)
    }

    /// The names of the local values, in declaration order.
    pub fn local_names(&self) -> Vec<String> {
        self.locals.iter().map(|l| l.name.clone()).collect()
    }

    /// The resource types and names, `type.name`, in declaration order.
    pub fn resource_addresses(&self) -> Vec<String> {
        self.resources
            .iter()
            .map(|r| format!("{}.{}", r.kind, r.name))
            .collect()
    }

    /// Evaluates the module with the variable values of a tfvars JSON object.
    ///
    /// # Errors
    ///
    /// When a variable is undeclared, missing or of the wrong type, or an
    /// expression fails to evaluate (an unknown variable, attribute or
    /// function, a type error), as `terraform plan` would fail.
    pub fn evaluate(&self, tfvars: &Json) -> Result<Evaluation, Error> {
        let vars = self.variables(tfvars)?;
        let locals = self.locals(&vars)?;
        let ctx = base_context(&vars, &locals);
        let mut resources = Vec::new();
        for r in &self.resources {
            resources.extend(resource_instances(r, &ctx)?);
        }
        let mut outputs = BTreeMap::new();
        for o in &self.outputs {
            let value = o
                .expr
                .evaluate(&ctx)
                .map_err(|e| Error::new(format!("{}: output {}: {e}", o.file, o.name)))?;
            outputs.insert(o.name.clone(), to_json(&value));
        }
        let to_map = |v: &Value| -> BTreeMap<String, Json> {
            v.as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect()
        };
        Ok(Evaluation {
            variables: to_map(&vars),
            locals: to_map(&locals),
            resources,
            outputs,
        })
    }

    fn variables(&self, tfvars: &Json) -> Result<Value, Error> {
        let given = match tfvars {
            Json::Object(map) => map,
            _ => return Err(Error::new("the tfvars must be a JSON object")),
        };
        for name in given.keys() {
            if !self.variables.iter().any(|v| &v.name == name) {
                return Err(Error::new(format!(
                    "the tfvars set {name}, which the module does not declare"
                )));
            }
        }
        let mut vars = Map::new();
        for v in &self.variables {
            let path = format!("var.{}", v.name);
            let value = match (given.get(&v.name), &v.default) {
                (Some(json), _) => from_json(json),
                (None, Some(default)) => default
                    .evaluate(&Context::new())
                    .map_err(|e| Error::new(format!("{path}: default: {e}")))?,
                (None, None) => {
                    return Err(Error::new(format!("{path}: no value given and no default")));
                }
            };
            let value = match &v.ty {
                Some(ty) => types::convert(value, ty, &path)?,
                None => value,
            };
            if value.is_null() && !v.nullable {
                return Err(Error::new(format!("{path}: must not be null")));
            }
            vars.insert(v.name.clone(), value);
        }
        Ok(canonical(Value::Object(vars)))
    }

    /// Evaluates the locals in rounds: each round evaluates the ones that
    /// can be with the values known so far, until all are known; a round
    /// without progress is an error (a cycle, or a failing expression).
    fn locals(&self, vars: &Value) -> Result<Value, Error> {
        let mut known = Map::new();
        let mut pending: Vec<&Named> = self.locals.iter().collect();
        while !pending.is_empty() {
            let ctx = base_context(vars, &Value::Object(known.clone()));
            let before = known.len();
            let mut failed = Vec::new();
            let mut errors = Vec::new();
            for l in pending {
                match l.expr.evaluate(&ctx) {
                    Ok(v) => {
                        known.insert(l.name.clone(), canonical(v));
                    }
                    Err(e) => {
                        errors.push(format!("{}: local.{}: {e}", l.file, l.name));
                        failed.push(l);
                    }
                }
            }
            if known.len() == before {
                return Err(Error::new(errors.join("\n")));
            }
            pending = failed;
        }
        Ok(canonical(Value::Object(known)))
    }
}

fn base_context(vars: &Value, locals: &Value) -> Context<'static> {
    let mut ctx = Context::new();
    ctx.declare_var("var", vars.clone());
    ctx.declare_var("local", locals.clone());
    functions::declare(&mut ctx);
    ctx
}

fn check_depends_on(
    address: &str,
    attr: &Attribute,
    declared: &BTreeSet<(String, String)>,
) -> Result<(), Error> {
    let Expression::Array(items) = &attr.expr else {
        return Err(Error::new(format!("{address}: depends_on must be a list")));
    };
    for item in items {
        let target = match item {
            Expression::Traversal(t) => match (&t.expr, t.operators.as_slice()) {
                (Expression::Variable(kind), [TraversalOperator::GetAttr(name)]) => {
                    Some((kind.as_str().to_owned(), name.as_str().to_owned()))
                }
                _ => None,
            },
            _ => None,
        };
        match target {
            Some(t) if declared.contains(&t) => {}
            _ => {
                return Err(Error::new(format!(
                    "{address}: depends_on entry {item:?} is not a resource of this module"
                )));
            }
        }
    }
    Ok(())
}

fn collect_body_exprs<'a>(at: &str, body: &'a Body, out: &mut Vec<(String, &'a Expression)>) {
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => out.push((format!("{at}.{}", a.key.as_str()), &a.expr)),
            Structure::Block(b) => {
                collect_body_exprs(&format!("{at}.{}", b.identifier.as_str()), &b.body, out)
            }
        }
    }
}

/// Calls `f` on `expr` and every expression inside it (templates included).
fn walk(expr: &Expression, f: &mut dyn FnMut(&Expression)) {
    f(expr);
    match expr {
        Expression::Array(items) => items.iter().for_each(|e| walk(e, f)),
        Expression::Object(map) => {
            for (k, v) in map {
                if let ObjectKey::Expression(k) = k {
                    walk(k, f);
                }
                walk(v, f);
            }
        }
        Expression::TemplateExpr(t) => {
            if let Ok(template) = Template::from_expr(t) {
                walk_template(&template, f);
            }
        }
        Expression::Traversal(t) => {
            walk(&t.expr, f);
            for op in &t.operators {
                if let TraversalOperator::Index(e) = op {
                    walk(e, f);
                }
            }
        }
        Expression::FuncCall(c) => c.args.iter().for_each(|e| walk(e, f)),
        Expression::Parenthesis(e) => walk(e, f),
        Expression::Conditional(c) => {
            walk(&c.cond_expr, f);
            walk(&c.true_expr, f);
            walk(&c.false_expr, f);
        }
        Expression::Operation(op) => match op.as_ref() {
            hcl::expr::Operation::Unary(u) => walk(&u.expr, f),
            hcl::expr::Operation::Binary(b) => {
                walk(&b.lhs_expr, f);
                walk(&b.rhs_expr, f);
            }
        },
        Expression::ForExpr(fe) => {
            walk(&fe.collection_expr, f);
            if let Some(k) = &fe.key_expr {
                walk(k, f);
            }
            walk(&fe.value_expr, f);
            if let Some(c) = &fe.cond_expr {
                walk(c, f);
            }
        }
        _ => {}
    }
}

fn walk_template(template: &Template, f: &mut dyn FnMut(&Expression)) {
    for element in template.elements() {
        match element {
            Element::Literal(_) => {}
            Element::Interpolation(i) => walk(&i.expr, f),
            Element::Directive(d) => match d.as_ref() {
                Directive::If(d) => {
                    walk(&d.cond_expr, f);
                    walk_template(&d.true_template, f);
                    if let Some(t) = &d.false_template {
                        walk_template(t, f);
                    }
                }
                Directive::For(d) => {
                    walk(&d.collection_expr, f);
                    walk_template(&d.template, f);
                }
            },
        }
    }
}

/// The instances of one resource: `count`, `for_each` or a single one.
fn resource_instances(r: &Resource, ctx: &Context<'_>) -> Result<Vec<ResourceInstance>, Error> {
    let address = format!("{}.{}", r.kind, r.name);
    let meta = |name: &str| r.body.attributes().find(|a| a.key.as_str() == name);
    let eval = |a: &Attribute| {
        a.expr
            .evaluate(ctx)
            .map_err(|e| Error::new(format!("{}: {address}.{}: {e}", r.file, a.key.as_str())))
    };
    let instances: Vec<(InstanceKey, Option<(&str, Value)>)> = match (
        meta("count"),
        meta("for_each"),
    ) {
        (Some(_), Some(_)) => {
            return Err(Error::new(format!(
                "{address}: count and for_each are mutually exclusive"
            )));
        }
        (Some(count), None) => {
            let n = eval(count)?;
            let n = n.as_u64().ok_or_else(|| {
                Error::new(format!(
                    "{address}.count: expected a whole number >= 0, found {n:?}"
                ))
            })?;
            (0..n)
                .map(|i| {
                    let mut c = Map::new();
                    c.insert("index".to_owned(), Value::from(i));
                    (InstanceKey::Index(i), Some(("count", Value::Object(c))))
                })
                .collect()
        }
        (None, Some(for_each)) => match canonical(eval(for_each)?) {
            Value::Object(map) => map
                .into_iter()
                .map(|(k, v)| {
                    let mut each = Map::new();
                    each.insert("key".to_owned(), Value::String(k.clone()));
                    each.insert("value".to_owned(), v);
                    (InstanceKey::Key(k), Some(("each", Value::Object(each))))
                })
                .collect(),
            other => {
                return Err(Error::new(format!(
                    "{address}.for_each: expected a map (sets are not modelled by this evaluator), found a {}",
                    type_name(&other)
                )));
            }
        },
        (None, None) => vec![(InstanceKey::Single, None)],
    };
    let mut out = Vec::new();
    for (key, binding) in instances {
        let mut ctx = ctx.clone();
        if let Some((name, value)) = binding {
            ctx.declare_var(name, value);
        }
        let instance = ResourceInstance {
            resource_type: r.kind.clone(),
            name: r.name.clone(),
            key,
            arguments: serde_json::Map::new(),
        };
        let at = format!("{}: {}", r.file, instance.address());
        let arguments = body_arguments(&r.body, &ctx, &at, true)?;
        out.push(ResourceInstance {
            arguments,
            ..instance
        });
    }
    Ok(out)
}

/// The arguments of a (resource or nested) block body: attributes by name,
/// nested blocks (and expanded `dynamic` blocks) as lists of objects.
fn body_arguments(
    body: &Body,
    ctx: &Context<'_>,
    at: &str,
    top: bool,
) -> Result<serde_json::Map<String, Json>, Error> {
    let mut attributes = serde_json::Map::new();
    let mut blocks: BTreeMap<String, Vec<Json>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                let key = a.key.as_str();
                if top && RESOURCE_META_ATTRIBUTES.contains(&key) {
                    continue;
                }
                let value = a
                    .expr
                    .evaluate(ctx)
                    .map_err(|e| Error::new(format!("{at}.{key}: {e}")))?;
                if attributes.insert(key.to_owned(), to_json(&value)).is_some() {
                    return Err(Error::new(format!("{at}.{key}: set twice")));
                }
            }
            Structure::Block(b) => {
                let ident = b.identifier.as_str();
                if top && ident == "lifecycle" {
                    continue;
                }
                if top && matches!(ident, "provisioner" | "connection") {
                    return Err(Error::new(format!(
                        "{at}: {ident} blocks are not supported"
                    )));
                }
                let (name, items) = if ident == "dynamic" {
                    dynamic_block(b, ctx, at)?
                } else {
                    let nested = body_arguments(&b.body, ctx, &format!("{at}.{ident}"), false)?;
                    (ident.to_owned(), vec![Json::Object(nested)])
                };
                if !blocks.contains_key(&name) {
                    order.push(name.clone());
                }
                blocks.entry(name).or_default().extend(items);
            }
        }
    }
    for name in order {
        if attributes.contains_key(&name) {
            return Err(Error::new(format!(
                "{at}: {name} is both an attribute and a block"
            )));
        }
        let items = blocks.remove(&name).unwrap_or_default();
        attributes.insert(name, Json::Array(items));
    }
    Ok(attributes)
}

/// Expands `dynamic "NAME" { for_each = ..., iterator = IT, content { ... } }`.
fn dynamic_block(b: &Block, ctx: &Context<'_>, at: &str) -> Result<(String, Vec<Json>), Error> {
    let [label] = b.labels.as_slice() else {
        return Err(Error::new(format!("{at}: a dynamic block takes one label")));
    };
    let name = label.as_str().to_owned();
    let at = format!("{at}.dynamic.{name}");
    let mut for_each = None;
    let mut iterator = name.clone();
    let mut content = None;
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a) if a.key.as_str() == "for_each" => for_each = Some(&a.expr),
            Structure::Attribute(a) if a.key.as_str() == "iterator" => match &a.expr {
                Expression::Variable(v) => iterator = v.as_str().to_owned(),
                _ => return Err(Error::new(format!("{at}: iterator must be a name"))),
            },
            Structure::Block(c) if c.identifier.as_str() == "content" => content = Some(&c.body),
            other => return Err(Error::new(format!("{at}: unsupported {other:?}"))),
        }
    }
    let (Some(for_each), Some(content)) = (for_each, content) else {
        return Err(Error::new(format!("{at}: needs for_each and content")));
    };
    let collection = for_each
        .evaluate(ctx)
        .map_err(|e| Error::new(format!("{at}.for_each: {e}")))?;
    let pairs: Vec<(Value, Value)> = match canonical(collection) {
        Value::Object(map) => map
            .into_iter()
            .map(|(k, v)| (Value::String(k), v))
            .collect(),
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (Value::from(i), v))
            .collect(),
        other => {
            return Err(Error::new(format!(
                "{at}.for_each: expected a collection, found a {}",
                type_name(&other)
            )));
        }
    };
    let mut items = Vec::new();
    for (key, value) in pairs {
        let mut ctx = ctx.clone();
        let mut it = Map::new();
        it.insert("key".to_owned(), key);
        it.insert("value".to_owned(), value);
        ctx.declare_var(iterator.as_str(), Value::Object(it));
        items.push(Json::Object(body_arguments(content, &ctx, &at, false)?));
    }
    Ok((name, items))
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::Single => Ok(()),
            InstanceKey::Index(i) => write!(f, "[{i}]"),
            InstanceKey::Key(k) => write!(f, "[{k:?}]"),
        }
    }
}
