package dev.baton.cli.output;

import com.google.protobuf.Descriptors.EnumDescriptor;
import dev.baton.proto.v1.Argv;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.DisconnectPolicy;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.MisfirePolicy;
import dev.baton.proto.v1.OverlapPolicy;
import dev.baton.proto.v1.Priority;
import dev.baton.proto.v1.RetryPolicy;
import dev.baton.proto.v1.RetryStrategy;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The job YAML format of {@code baton job apply -f} and {@code baton job get -o yaml}, documented with an example of
 * every field in {@code client-cli/JOB_YAML.md}. Keys are the snake_case names of the proto's {@link Job} fields;
 * enums are written {@code queue-one}, durations {@code 1h30m}; the command is {@code command: {shell: ...}} or
 * {@code command: {argv: [...]}} (or {@code shell:} / {@code argv:} at the top level). Output-only fields are
 * written under {@code status:} and ignored on reading, so what {@link #toYaml(Job)} writes {@link #fromYaml}
 * reads back as the same job's settable fields. Keys are written as the proto's JSON names ({@code killGrace}, as
 * {@code -o json} prints them) and read as those or the proto's field names ({@code kill_grace}); a job printed
 * with {@code -o json} reads too (JSON is YAML), its output-only fields ignored. Unknown keys are refused.
 */
public final class JobYaml {
  static final Set<String> JOB_KEYS = orderedSet(
      "name", "description", "labels", "enabled", "schedule", "timezone", "command", "shell", "argv", "env",
      "working_dir", "priority", "dependencies", "retry", "timeout", "kill_grace", "overlap", "misfire",
      "max_catchup", "start_deadline", "selector", "slots", "on_disconnect", "max_lost_attempts", "run_as",
      "status",
      // Output-only fields where `-o json` prints them, at the top: accepted and ignored, like "status".
      "version", "create_time", "update_time", "resolved_schedule", "next_fire_time", "last_run_id",
      "last_run_state", "paused_fire_time");
  static final Set<String> RETRY_KEYS = orderedSet(
      "strategy", "max_retries", "initial_delay", "max_delay", "multiplier", "jitter", "retry_on_exit_codes");
  static final Set<String> COMMAND_KEYS = orderedSet("shell", "argv");

  /** Maps whose keys are the user's (label and variable names), left as written when keys are renamed. */
  private static final Set<String> USER_KEYED = Set.of("labels", "env");

  private JobYaml() {}

  /** One job as a YAML document: settable fields that are set, then output-only fields under {@code status}. */
  public static String toYaml(Job job) {
    return ProtoYaml.dump(ProtoYaml.jsonNames(toMap(job), USER_KEYED));
  }

  /** Jobs as a multi-document stream, one document per job, separated by {@code ---}. */
  public static String toYaml(List<Job> jobs) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < jobs.size(); i++) {
      if (i > 0) {
        out.append("---\n");
      }
      out.append(toYaml(jobs.get(i)));
    }
    return out.toString();
  }

  /** Reads jobs from text that came from nowhere in particular (tests, strings). */
  public static List<Job> fromYaml(String text) {
    return fromYaml(text, "<input>");
  }

  /**
   * Reads every job of a YAML stream (documents separated by {@code ---}; empty documents are skipped).
   *
   * @param source the file name, used in error messages
   * @throws InvalidInputException one line naming the file, the job and the problem
   */
  public static List<Job> fromYaml(String text, String source) {
    List<Object> documents = new ArrayList<>();
    try {
      for (Object doc : ProtoYaml.loader().loadAll(text)) {
        documents.add(doc);
      }
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String where = mark == null ? "" : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
      String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
      throw new InvalidInputException(source + ": not valid YAML" + where + ": " + oneLine(problem));
    } catch (YAMLException e) {
      throw new InvalidInputException(source + ": not valid YAML: " + oneLine(e.getMessage()));
    }
    List<Job> jobs = new ArrayList<>();
    Map<String, Integer> documentOfJob = new java.util.HashMap<>();
    for (int i = 0; i < documents.size(); i++) {
      Object doc = documents.get(i);
      if (doc == null) {
        continue;
      }
      String where = documents.size() > 1 ? source + ", document " + (i + 1) : source;
      if (!(doc instanceof Map<?, ?> map)) {
        throw new InvalidInputException(where + ": a job must be a mapping of keys to values");
      }
      Job job = readJob(new Node(map, where, ""));
      Integer first = documentOfJob.putIfAbsent(job.getName(), i + 1);
      if (first != null) {
        // Applying both would silently keep the second: the file is ambiguous, so nothing of it is applied.
        throw new InvalidInputException(where + ": job '" + job.getName() + "' is already defined in document "
            + first + "; each job once per file");
      }
      jobs.add(job);
    }
    if (jobs.isEmpty()) {
      throw new InvalidInputException(source + ": no job in the file");
    }
    return jobs;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Writing

  static Map<String, Object> toMap(Job job) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", job.getName());
    putText(m, "description", job.getDescription());
    if (job.getLabelsCount() > 0) {
      m.put("labels", new LinkedHashMap<>(new TreeMap<>(job.getLabelsMap())));
    }
    if (job.hasEnabled()) {
      m.put("enabled", job.getEnabled());
    }
    putText(m, "schedule", job.getSchedule());
    putText(m, "timezone", job.getTimezone());
    if (job.hasCommand()) {
      Command c = job.getCommand();
      switch (c.getKindCase()) {
        case SHELL -> m.put("command", Map.of("shell", c.getShell()));
        case ARGV -> m.put("command", Map.of("argv", new ArrayList<>(c.getArgv().getArgsList())));
        default -> { }
      }
    }
    if (job.getEnvCount() > 0) {
      m.put("env", new LinkedHashMap<>(new TreeMap<>(job.getEnvMap())));
    }
    putText(m, "working_dir", job.getWorkingDir());
    putText(m, "priority", EnumText.name(job.getPriority()));
    if (job.getDependenciesCount() > 0) {
      m.put("dependencies", new ArrayList<>(job.getDependenciesList()));
    }
    if (job.hasRetry()) {
      m.put("retry", retryMap(job.getRetry()));
    }
    if (job.hasTimeout()) {
      m.put("timeout", TimeText.format(job.getTimeout()));
    }
    if (job.hasKillGrace()) {
      m.put("kill_grace", TimeText.format(job.getKillGrace()));
    }
    putText(m, "overlap", EnumText.name(job.getOverlap()));
    putText(m, "misfire", EnumText.name(job.getMisfire()));
    putCount(m, "max_catchup", job.getMaxCatchup());
    if (job.hasStartDeadline()) {
      m.put("start_deadline", TimeText.format(job.getStartDeadline()));
    }
    putText(m, "selector", job.getSelector());
    putCount(m, "slots", job.getSlots());
    putText(m, "on_disconnect", EnumText.name(job.getOnDisconnect()));
    putCount(m, "max_lost_attempts", job.getMaxLostAttempts());
    putText(m, "run_as", job.getRunAs());
    Map<String, Object> status = statusMap(job);
    if (!status.isEmpty()) {
      m.put("status", status);
    }
    return m;
  }

  private static Map<String, Object> retryMap(RetryPolicy r) {
    Map<String, Object> m = new LinkedHashMap<>();
    putText(m, "strategy", EnumText.name(r.getStrategy()));
    putCount(m, "max_retries", r.getMaxRetries());
    if (r.hasInitialDelay()) {
      m.put("initial_delay", TimeText.format(r.getInitialDelay()));
    }
    if (r.hasMaxDelay()) {
      m.put("max_delay", TimeText.format(r.getMaxDelay()));
    }
    if (r.getMultiplier() != 0) {
      m.put("multiplier", r.getMultiplier());
    }
    if (r.getJitter() != 0) {
      m.put("jitter", r.getJitter());
    }
    if (r.getRetryOnExitCodesCount() > 0) {
      m.put("retry_on_exit_codes", new ArrayList<>(r.getRetryOnExitCodesList()));
    }
    return m;
  }

  private static Map<String, Object> statusMap(Job job) {
    Map<String, Object> s = new LinkedHashMap<>();
    if (job.getVersion() != 0) {
      s.put("version", job.getVersion());
    }
    if (job.hasCreateTime()) {
      s.put("create_time", TimeText.rfc3339(job.getCreateTime()));
    }
    if (job.hasUpdateTime()) {
      s.put("update_time", TimeText.rfc3339(job.getUpdateTime()));
    }
    if (job.hasResolvedSchedule()) {
      s.put("resolved_schedule", ProtoYaml.toMap(job.getResolvedSchedule()));
    }
    if (job.hasNextFireTime()) {
      s.put("next_fire_time", TimeText.rfc3339(job.getNextFireTime()));
    }
    putText(s, "last_run_id", job.getLastRunId());
    putText(s, "last_run_state", EnumText.name(job.getLastRunState()));
    return s;
  }

  private static void putText(Map<String, Object> m, String key, String value) {
    if (!value.isEmpty()) {
      m.put(key, value);
    }
  }

  private static void putCount(Map<String, Object> m, String key, int value) {
    if (value != 0) {
      m.put(key, Integer.toUnsignedLong(value));
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reading

  private static Job readJob(Node document) {
    String name = document.text("name");
    Node n = name == null || name.isEmpty() ? document : document.named(name);
    n.refuseUnknown(JOB_KEYS);
    if (name == null || name.isEmpty()) {
      throw n.error("name", "is required");
    }
    Job.Builder job = Job.newBuilder().setName(name);
    n.ifText("description", job::setDescription);
    n.ifPresent("labels", key -> job.putAllLabels(n.stringMap(key)));
    n.ifPresent("enabled", key -> job.setEnabled(n.bool(key)));
    n.ifText("schedule", job::setSchedule);
    n.ifText("timezone", job::setTimezone);
    Command command = readCommand(n);
    if (command != null) {
      job.setCommand(command);
    }
    n.ifPresent("env", key -> job.putAllEnv(n.stringMap(key)));
    n.ifText("working_dir", job::setWorkingDir);
    n.ifPresent("priority", key -> job.setPriorityValue(n.enumNumber(key, Priority.getDescriptor())));
    n.ifPresent("dependencies", key -> job.addAllDependencies(n.stringList(key)));
    n.ifPresent("retry", key -> job.setRetry(readRetry(n.child(key))));
    n.ifPresent("timeout", key -> job.setTimeout(n.duration(key)));
    n.ifPresent("kill_grace", key -> job.setKillGrace(n.duration(key)));
    n.ifPresent("overlap", key -> job.setOverlapValue(n.enumNumber(key, OverlapPolicy.getDescriptor())));
    n.ifPresent("misfire", key -> job.setMisfireValue(n.enumNumber(key, MisfirePolicy.getDescriptor())));
    n.ifPresent("max_catchup", key -> job.setMaxCatchup(n.count(key)));
    n.ifPresent("start_deadline", key -> job.setStartDeadline(n.duration(key)));
    n.ifText("selector", job::setSelector);
    n.ifPresent("slots", key -> job.setSlots(n.count(key)));
    n.ifPresent("on_disconnect",
        key -> job.setOnDisconnectValue(n.enumNumber(key, DisconnectPolicy.getDescriptor())));
    n.ifPresent("max_lost_attempts", key -> job.setMaxLostAttempts(n.count(key)));
    n.ifText("run_as", job::setRunAs);
    // "status" holds output-only fields: accepted so that `get -o yaml` output applies as is, and ignored.
    return job.build();
  }

  /** The command from {@code command: {shell|argv}} or the top-level shorthand; null when none is given. */
  private static Command readCommand(Node n) {
    List<Command> found = new ArrayList<>();
    if (n.has("command")) {
      Node c = n.child("command");
      c.refuseUnknown(COMMAND_KEYS);
      Command fromBlock = shellOrArgv(c, "command.");
      if (fromBlock == null) {
        throw n.error("command", "needs shell or argv");
      }
      found.add(fromBlock);
    }
    Command shorthand = shellOrArgv(n, "");
    if (shorthand != null) {
      found.add(shorthand);
    }
    if (found.size() > 1) {
      throw n.error("command", "is given twice (command, shell or argv): give exactly one");
    }
    return found.isEmpty() ? null : found.get(0);
  }

  private static Command shellOrArgv(Node n, String path) {
    boolean shell = n.has("shell");
    boolean argv = n.has("argv");
    if (shell && argv) {
      throw n.error(path + "shell", "and argv are both given: give exactly one");
    }
    if (shell) {
      return Command.newBuilder().setShell(n.text("shell")).build();
    }
    if (argv) {
      return Command.newBuilder().setArgv(Argv.newBuilder().addAllArgs(n.stringList("argv"))).build();
    }
    return null;
  }

  private static RetryPolicy readRetry(Node n) {
    n.refuseUnknown(RETRY_KEYS);
    RetryPolicy.Builder r = RetryPolicy.newBuilder();
    n.ifPresent("strategy", key -> r.setStrategyValue(n.enumNumber(key, RetryStrategy.getDescriptor())));
    n.ifPresent("max_retries", key -> r.setMaxRetries(n.count(key)));
    n.ifPresent("initial_delay", key -> r.setInitialDelay(n.duration(key)));
    n.ifPresent("max_delay", key -> r.setMaxDelay(n.duration(key)));
    n.ifPresent("multiplier", key -> r.setMultiplier(n.number(key)));
    n.ifPresent("jitter", key -> r.setJitter(n.number(key)));
    n.ifPresent("retry_on_exit_codes", key -> r.addAllRetryOnExitCodes(n.intList(key)));
    return r.build();
  }

  /** A mapping being read, with where it is (file, document, job, key path) for error messages. */
  private static final class Node {
    private final Map<?, ?> map;
    private final String where;
    private final String path;

    /** Keys may be the proto's JSON names ({@code killGrace}, as printed) or its field names ({@code kill_grace}). */
    Node(Map<?, ?> map, String where, String path) {
      Map<Object, Object> byFieldName = new java.util.LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        Object key = e.getKey() instanceof String text && !USER_KEYED.contains(path.replace(".", ""))
            ? ProtoYaml.fieldName(text) : e.getKey();
        if (byFieldName.put(key, e.getValue()) != null) {
          throw new InvalidInputException(where + ": '" + path + key + "' is given twice (as " + key + " and "
              + e.getKey() + ")");
        }
      }
      this.map = byFieldName;
      this.where = where;
      this.path = path;
    }

    Node named(String job) {
      return new Node(map, where + ": job '" + job + "'", path);
    }

    Node child(String key) {
      Object v = map.get(key);
      if (!(v instanceof Map<?, ?> m)) {
        throw error(key, "must be a mapping of keys to values");
      }
      return new Node(m, where, path + key + ".");
    }

    void refuseUnknown(Set<String> known) {
      for (Object key : map.keySet()) {
        if (!(key instanceof String s) || !known.contains(s)) {
          String guess = closest(String.valueOf(key), known);
          throw new InvalidInputException(where + ": unknown key '" + path + key + "'"
              + (guess != null ? " (did you mean '" + path + guess + "'?)"
                  : path.isEmpty() ? "" : " (known keys here: " + String.join(", ", known) + ")"));
        }
      }
    }

    boolean has(String key) {
      return map.get(key) != null;
    }

    void ifPresent(String key, Consumer<String> read) {
      if (has(key)) {
        read.accept(key);
      }
    }

    void ifText(String key, Consumer<String> set) {
      if (has(key)) {
        set.accept(text(key));
      }
    }

    String text(String key) {
      Object v = map.get(key);
      return v == null ? null : scalarText(key, v);
    }

    boolean bool(String key) {
      if (map.get(key) instanceof Boolean b) {
        return b;
      }
      throw error(key, "must be true or false");
    }

    int count(String key) {
      Object v = map.get(key);
      if (v instanceof Integer i && i >= 0) {
        return i;
      }
      if (v instanceof Long l && l >= 0 && l <= 0xFFFF_FFFFL) {
        return (int) (long) l;
      }
      throw error(key, "must be a whole number, 0 or more");
    }

    double number(String key) {
      Object v = map.get(key);
      if (v instanceof Number num && !(v instanceof BigInteger)) {
        return num.doubleValue();
      }
      throw error(key, "must be a number");
    }

    com.google.protobuf.Duration duration(String key) {
      String text = text(key);
      try {
        return TimeText.parseDuration(text);
      } catch (IllegalArgumentException e) {
        throw error(key, e.getMessage());
      }
    }

    int enumNumber(String key, EnumDescriptor type) {
      try {
        return EnumText.parse(type, text(key)).getNumber();
      } catch (IllegalArgumentException e) {
        throw error(key, e.getMessage());
      }
    }

    List<String> stringList(String key) {
      Object v = map.get(key);
      if (!(v instanceof List<?> list)) {
        throw error(key, "must be a list");
      }
      List<String> out = new ArrayList<>();
      for (Object item : list) {
        if (item == null) {
          throw error(key, "has an empty entry");
        }
        out.add(scalarText(key, item));
      }
      return out;
    }

    List<Integer> intList(String key) {
      Object v = map.get(key);
      if (!(v instanceof List<?> list)) {
        throw error(key, "must be a list of whole numbers");
      }
      List<Integer> out = new ArrayList<>();
      for (Object item : list) {
        if (!(item instanceof Integer i)) {
          throw error(key, "must be a list of whole numbers");
        }
        out.add(i);
      }
      return out;
    }

    Map<String, String> stringMap(String key) {
      Object v = map.get(key);
      if (!(v instanceof Map<?, ?> m)) {
        throw error(key, "must be a mapping of keys to values");
      }
      Map<String, String> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        String k = e.getKey() == null ? "" : scalarText(key, e.getKey());
        out.put(k, e.getValue() == null ? "" : scalarText(key + "." + k, e.getValue()));
      }
      return out;
    }

    /** Text, or a whole number or boolean written without quotes; refused otherwise (1.10 would read 1.1). */
    private String scalarText(String key, Object v) {
      if (v instanceof String s) {
        return s;
      }
      if (v instanceof Integer || v instanceof Long || v instanceof BigInteger || v instanceof Boolean) {
        return v.toString();
      }
      throw error(key, "must be text (put it in quotes)");
    }

    InvalidInputException error(String key, String problem) {
      return new InvalidInputException(where + ": " + path + key + " " + problem);
    }
  }

  /** The known key nearest a misspelled one (edit distance at most 2), or null. */
  static String closest(String key, Set<String> known) {
    String best = null;
    int bestDistance = 3;
    for (String k : known) {
      int d = distance(key, k);
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return best;
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  private static Set<String> orderedSet(String... keys) {
    return Collections.unmodifiableSet(new LinkedHashSet<>(List.of(keys)));
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s*\\n\\s*", " ").trim();
  }
}
