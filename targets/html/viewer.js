// carepath viewer: the page's behaviour. Inlined after the JavaScript runtime and the FHIR
// mapping, in the same module script, so `runWithTrace`, `InputError`, `readFacts` and
// `parseBundleText`, `bundleFacts` (carepath-fhir.mjs) are in scope.
//
// The form's values become a facts object exactly like a facts file; the runtime runs
// the embedded graph JSON on it; the page shows the result: actions grouped by urgency,
// the questions to ask next (most urgent first) and the path on the chart. Every text
// from the guideline goes into the document through `textContent`, never as markup.

const graphData = JSON.parse(document.getElementById("carepath-graph").textContent);
const view = JSON.parse(document.getElementById("carepath-view").textContent);
const form = document.getElementById("facts-form");
const URGENCY_HEADINGS = {
  emergent: "Emergent: act within hours",
  urgent: "Urgent: within days",
  routine: "Routine",
};
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** An element with text (never markup) and attributes. */
function element(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

// --- the form, one field per input ------------------------------------------------------

const fields = new Map(); // input name → {spec, read(), write(value), focus(), problem}

function buildForm() {
  view.inputs.forEach((spec, index) => {
    const id = `fact-${index}`;
    const wrapper = element("div", null, { class: "field" });
    const problem = element("p", null, { class: "field-problem", id: `${id}-problem`, hidden: "" });
    let read, write, focus;
    if (spec.kind === "boolean" || (spec.kind === "enum" && spec.choices.length <= 4)) {
      const group = element("fieldset", null, { id, "aria-describedby": `${id}-problem` });
      group.append(element("legend", spec.label));
      const options = spec.kind === "boolean"
        ? [{ value: true, text: "Yes" }, { value: false, text: "No" }]
        : spec.choices;
      const row = element("div", null, { class: "choices" });
      const radios = [];
      [...options, { value: null, text: "Unknown" }].forEach((option, i) => {
        const radioId = `${id}-${i}`;
        const radio = element("input", null, { type: "radio", name: id, id: radioId });
        if (option.value === null) radio.checked = true;
        radio.addEventListener("change", update);
        radios.push([radio, option.value]);
        const label = element("label", null, { for: radioId, class: "choice" });
        label.append(radio, element("span", option.text));
        row.append(label);
      });
      group.append(row);
      wrapper.append(group, problem);
      read = () => radios.find(([radio]) => radio.checked)[1];
      write = (value) => radios.forEach(([radio, v]) => { radio.checked = v === (value ?? null); });
      focus = () => (radios.find(([radio]) => radio.checked) ?? radios[0])[0].focus();
    } else if (spec.kind === "enum") {
      const label = element("label", spec.label, { for: id });
      const select = element("select", null, { id, "aria-describedby": `${id}-problem` });
      select.append(element("option", "Unknown", { value: "" }));
      spec.choices.forEach((choice) => select.append(element("option", choice.text, { value: choice.value })));
      select.addEventListener("change", update);
      wrapper.append(label, select, problem);
      read = () => (select.value === "" ? null : select.value);
      write = (value) => { select.value = value ?? ""; };
      focus = () => select.focus();
    } else {
      const hint = spec.range ? ` (${spec.range})` : "";
      const label = element("label", spec.label + hint, { for: id });
      const row = element("div", null, { class: "quantity" });
      const box = element("input", null, {
        type: "text", id, inputmode: "decimal", autocomplete: "off", placeholder: "unknown",
        "aria-describedby": `${id}-problem`,
      });
      box.addEventListener("input", update);
      row.append(box);
      let unitSelect = null;
      if (spec.kind === "quantity") {
        unitSelect = element("select", null, { id: `${id}-unit`, "aria-label": `Unit of ${spec.short}` });
        spec.units.forEach((unit) => unitSelect.append(element("option", unit.text, { value: unit.code })));
        unitSelect.addEventListener("change", update);
        row.append(unitSelect);
      }
      wrapper.append(label, row, problem);
      read = () => {
        const text = box.value.trim();
        if (text === "") return null;
        if (!NUMBER.test(text)) throw new Error("enter a number, such as 0.85, or leave it empty for unknown");
        return unitSelect ? { value: Number(text), unit: unitSelect.value } : Number(text);
      };
      write = (value) => {
        if (value === null || value === undefined) { box.value = ""; return; }
        if (unitSelect && typeof value === "object") {
          box.value = String(value.value);
          if (![...unitSelect.options].some((o) => o.value === value.unit)) {
            unitSelect.append(element("option", value.unit, { value: value.unit }));
          }
          unitSelect.value = value.unit;
        } else {
          box.value = String(value);
          if (unitSelect) unitSelect.value = spec.unit;
        }
      };
      focus = () => box.focus();
    }
    form.append(wrapper);
    fields.set(spec.name, { spec, read, write, focus, problem, wrapper });
  });
}

/** The form as a facts object; problems of fields that do not read as a value. */
function readForm() {
  const facts = {}, problems = new Map();
  for (const [name, field] of fields) {
    try {
      const value = field.read();
      if (value !== null) facts[name] = value;
    } catch (error) {
      problems.set(name, error.message);
    }
  }
  return { facts, problems };
}

function loadFacts(facts, from, report = null) {
  showBundleReport(report);
  for (const field of fields.values()) field.write(null);
  const unknown = [];
  for (const [name, value] of Object.entries(facts)) {
    if (fields.has(name)) fields.get(name).write(value);
    else unknown.push(name);
  }
  update();
  document.getElementById("loaded").textContent = from;
  if (unknown.length) showProblems(unknown.map((name) => `${name}: not an input of this guideline`));
}

// --- running and showing the result ------------------------------------------------------

function update() {
  const { facts, problems } = readForm();
  for (const [name, field] of fields) {
    const message = problems.get(name);
    field.problem.hidden = !message;
    field.problem.textContent = message ?? "";
    field.wrapper.classList.toggle("invalid", Boolean(message));
  }
  let result, trace;
  try {
    ({ result, trace } = runWithTrace(graphData, facts));
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    // Each problem names its fact by a JSON path: `$.abi`, `$.age.unit`, `$["odd name"]`.
    const lines = error.problems.map((problem) => {
      const name = factOf(problem.path ?? "");
      const field = fields.get(name);
      if (field) {
        field.problem.hidden = false;
        field.problem.textContent = problem.message;
        field.wrapper.classList.add("invalid");
      }
      return field ? `${field.spec.short}: ${problem.message}` : problem.message;
    });
    showProblems(lines);
    return;
  }
  showProblems([...problems].map(([name, message]) => `${fields.get(name).spec.short}: ${message}`));
  if (problems.size) return;
  showResult(result, trace, facts);
}

/** The input a problem's JSON path points into. */
function factOf(path) {
  const match = path.match(/^\$(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[("(?:[^"\\]|\\.)*")\])/);
  if (!match) return null;
  return match[1] ?? JSON.parse(match[2]);
}

function showProblems(lines) {
  const box = document.getElementById("input-problems");
  box.replaceChildren();
  box.hidden = lines.length === 0;
  if (!lines.length) return;
  box.append(element("p", "These facts could not be used; the results below are from before:"));
  const list = element("ul");
  lines.forEach((line) => list.append(element("li", line)));
  box.append(list);
}

function showResult(result, trace, facts) {
  const onPath = new Set(result.path);
  const pending = new Set(trace.filter((step) => step.pending).map((step) => step.decision));
  const fired = new Map(trace.map((step) => [step.decision, new Set(step.fired)]));
  const taken = (edge) => onPath.has(edge.source) && onPath.has(edge.target)
    && (!fired.has(edge.source) || fired.get(edge.source).has(edge.branch));
  const count = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  document.getElementById("status").textContent = result.status === "complete"
    ? `Complete: every decision on the path could be made (${count(result.actions.length, "action")}).`
    : `Needs input: ${count(result.needs.length, "fact")} still needed (${count(result.actions.length, "action")} so far).`;
  showActions(result.actions, taken);
  showQuestions(result.questions);
  paintChart(onPath, pending, taken);
  showPrintFacts(facts);
}

function showActions(actions, taken) {
  const box = document.getElementById("actions");
  box.replaceChildren();
  if (!actions.length) {
    box.append(element("p", "No action recommended yet.", { class: "muted" }));
    return;
  }
  for (const urgency of ["emergent", "urgent", "routine", null]) {
    const group = actions.filter((action) => (action.urgency ?? null) === urgency);
    if (!group.length) continue;
    const section = element("section", null, { class: `urgency ${urgency ?? "none"}` });
    section.append(element("h3", urgency ? URGENCY_HEADINGS[urgency] : "Other actions"));
    const list = element("ol", null, { class: "action-list" });
    for (const action of group) list.append(actionItem(action, taken));
    section.append(list);
    box.append(section);
  }
}

function actionItem(action, taken) {
  const node = view.nodes[action.id];
  const item = element("li", null, { class: "action" });
  item.dataset.actionId = action.id;
  item.append(element("p", action.title, { class: "action-title" }));
  const details = element("dl");
  const add = (term, values) => {
    if (!values.length) return;
    details.append(element("dt", term));
    values.forEach((value) => details.append(element("dd", value)));
  };
  add("When", node.timing ? [node.timing] : []);
  add("Dose", node.doses);
  add("Because", reasons(action.id, taken));
  add("Sources", node.citations);
  item.append(details);
  if (node.source) {
    const quote = element("blockquote", null, { class: "source-quote" });
    quote.append(element("p", node.source));
    item.append(quote);
  }
  return item;
}

/** Why an action is on the path: the conditions of the taken arrows into it. */
function reasons(id, taken) {
  const found = [];
  for (const edge of view.edges) {
    if (edge.target !== id || !taken(edge)) continue;
    const from = view.nodes[edge.source];
    if (edge.condition === "otherwise") found.push(`none of the other conditions held (${from.title})`);
    else if (edge.condition) found.push(`${edge.condition} (${from.title})`);
    else if (from.kind === "action" || from.kind === "assess") found.push(`after: ${from.title}`);
  }
  return [...new Set(found)];
}

/** The questions to ask next, in the runtime's order: most urgent action they could lead to first. */
function showQuestions(questions) {
  const list = document.getElementById("questions");
  list.replaceChildren();
  document.getElementById("no-questions").hidden = questions.length > 0;
  for (const question of questions) {
    const field = fields.get(question.input);
    const item = element("li", null, { class: "question" });
    item.dataset.input = question.input;
    const lead = question.could_lead_to;
    if (lead) {
      const tag = element("span", `could lead to ${lead.urgency} action`, { class: `tag ${lead.urgency}` });
      tag.title = lead.title;
      item.append(tag);
    }
    item.append(element("span", question.ask ?? field.spec.label, { class: "question-text" }));
    const button = element("button", "Answer", { type: "button", "aria-label": `Answer: ${field.spec.label}` });
    button.addEventListener("click", () => field.focus());
    item.append(button);
    list.append(item);
  }
}

function paintChart(onPath, pending, taken) {
  const highlighted = onPath.size > 1;
  for (const id of Object.keys(view.nodes)) {
    const shape = document.getElementById(`node-${id}`);
    if (!shape) continue;
    shape.classList.toggle("on-path", onPath.has(id) && !pending.has(id));
    shape.classList.toggle("pending", pending.has(id));
    shape.classList.toggle("off-path", highlighted && !onPath.has(id));
  }
  for (const edge of view.edges) {
    // Two lines of one decision to one target are drawn as one arrow: taken if either is.
    const drawnTaken = view.edges.some((other) => other.source === edge.source && other.target === edge.target && taken(other));
    // A labelled arrow is drawn in two parts through its condition's text.
    for (const part of ["", "-to", "-label"]) {
      const line = document.getElementById(`edge-${edge.source}-${edge.target}${part}`);
      if (!line) continue;
      line.classList.toggle("on-path", drawnTaken);
      line.classList.toggle("off-path", highlighted && !drawnTaken);
    }
  }
  scrollChartTo([...pending][0] ?? [...onPath].at(-1));
}

/** Scroll the chart (not the page) so that a step is in view, a third of the way down. */
function scrollChartTo(id) {
  const frame = document.getElementById("chart");
  const shape = id && document.getElementById(`node-${id}`);
  if (!shape) return;
  const box = shape.getBoundingClientRect(), view = frame.getBoundingClientRect();
  frame.scrollTop += box.top - view.top - frame.clientHeight / 3;
  frame.scrollLeft += box.left - view.left - (frame.clientWidth - box.width) / 2;
}

function showPrintFacts(facts) {
  const list = document.getElementById("print-facts");
  list.replaceChildren();
  for (const [name, value] of Object.entries(facts)) {
    const shown = typeof value === "object" ? `${value.value} ${value.unit}`
      : value === true ? "yes" : value === false ? "no" : value;
    list.append(element("li", `${fields.get(name).spec.short}: ${shown}`));
  }
  if (!list.children.length) list.append(element("li", "none: every fact unknown"));
}

// --- FHIR Bundles: mapped to facts in the page, as `carepath run --fhir` maps them -----------

/** A bundle's facts as the form writes them: numbers as the bundle's decimal text (`0.950`). */
function formFacts(facts) {
  const plain = (value) => (value instanceof JsonNumber ? value.text()
    : value !== null && typeof value === "object" ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
      : value);
  return plain(facts);
}

async function loadBundle(file) {
  let bundle;
  try {
    bundle = parseBundleText(await file.text());
  } catch (error) {
    if (!(error instanceof BundleError)) throw error;
    showBundleReport({ error: `${file.name}: ${error.message}; no facts were loaded from it.` });
    return;
  }
  const { facts, notes } = bundleFacts(graphData, bundle, { refusal: factsReaderRefusal(graphData, readFacts) });
  const count = Object.keys(facts).length;
  loadFacts(formFacts(facts), `Loaded the FHIR Bundle ${file.name}: ${count} fact${count === 1 ? "" : "s"} from it.`,
    { name: file.name, notes });
}

/** What the bundle gave: the entries that could not be used in an alert, the facts taken in a list. */
function showBundleReport(report) {
  const box = document.getElementById("bundle-report");
  const problems = document.getElementById("bundle-problems");
  const used = document.getElementById("bundle-used");
  box.hidden = report === null;
  problems.replaceChildren();
  used.querySelector("ul").replaceChildren();
  problems.hidden = true;
  used.hidden = true;
  if (report === null) return;
  if (report.error) {
    problems.append(element("p", report.error));
    problems.hidden = false;
    return;
  }
  const unusable = report.notes.filter((note) => note.outcome !== USED);
  const taken = report.notes.filter((note) => note.outcome === USED);
  if (unusable.length) {
    const n = unusable.length;
    problems.append(element("p", `${n} ${n === 1 ? "entry or value" : "entries or values"} of ${report.name} `
      + "could not be used; what they would say stays unknown:"));
    const list = element("ul");
    unusable.forEach((note) => list.append(element("li", String(note))));
    problems.append(list);
    problems.hidden = false;
  }
  if (taken.length) {
    used.querySelector("summary").textContent = `How the facts were read from ${report.name} (${taken.length})`;
    taken.forEach((note) => used.querySelector("ul").append(element("li", String(note))));
    used.hidden = false;
  }
}

// --- loaders and buttons -----------------------------------------------------------------

function wireControls() {
  const select = document.getElementById("scenario-select");
  view.scenarios.forEach((scenario, index) => select.append(element("option", scenario.name, { value: String(index) })));
  if (!view.scenarios.length) select.closest(".loaders").querySelector("label").textContent = "Load a scenario (this guideline has none)";
  document.getElementById("scenario-load").addEventListener("click", () => {
    if (select.value === "") return; // the "(choose a scenario)" line: Number("") would be the first scenario
    const scenario = view.scenarios[Number(select.value)];
    if (scenario) loadFacts(scenario.facts, `Loaded the scenario “${scenario.name}”.`);
  });
  document.getElementById("facts-file").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    try {
      loadFacts(JSON.parse(await file.text()), `Loaded the facts file ${file.name}.`);
    } catch (error) {
      showProblems([`${file.name}: not a JSON facts file (${error.message})`]);
    }
  });
  document.getElementById("fhir-file").addEventListener("change", (event) => {
    const file = event.target.files[0];
    if (file) loadBundle(file);
  });
  document.getElementById("clear-facts").addEventListener("click", () => loadFacts({}, "Cleared every fact."));
  document.getElementById("print").addEventListener("click", () => window.print());
  const zoom = document.getElementById("chart-zoom");
  zoom.addEventListener("click", () => {
    const fit = zoom.getAttribute("aria-pressed") !== "true";
    zoom.setAttribute("aria-pressed", String(fit));
    document.getElementById("chart").classList.toggle("fit", fit);
  });
}

buildForm();
wireControls();
update();
document.body.dataset.ready = "true";
