package io.github.streaminfer.architecture;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the runtime modules of a reactor that reach testkit outside test scope: through their POMs (directly or
 * through another module of the reactor, at any scope but {@code test}) or through a {@code requires} of their
 * {@code module-info.java}. Also reports a testkit that {@code provides} a service, which production
 * {@code ServiceLoader} lookups would find wherever testkit is present.
 *
 * <p>Only dependencies between the reactor's own modules are followed: testkit is one of them, so a path to it from
 * a runtime module runs through them alone.
 */
final class TestkitScope {
    static final String GROUP = "io.github.streaminfer";
    static final String TESTKIT = "streaminfer-testkit";
    static final String TESTKIT_MODULE = "io.github.streaminfer.testkit";
    private static final Pattern REQUIRES = Pattern.compile("^\\s*requires\\s+(?:transitive\\s+|static\\s+)*([\\w.]+)\\s*;",
            Pattern.MULTILINE);
    private static final Pattern PROVIDES = Pattern.compile("^\\s*provides\\s+", Pattern.MULTILINE);

    private final Set<String> exempt;

    /**
     * Creates a checker.
     *
     * @param exempt artifact ids that are not runtime modules (testkit itself, benchmark and test-only modules)
     */
    TestkitScope(Set<String> exempt) {
        this.exempt = Set.copyOf(exempt);
    }

    /**
     * {@return one line per violation found in the reactor at {@code root}; empty when there is none}
     *
     * @param root the folder of the reactor's parent POM
     * @throws Exception when a POM cannot be read
     */
    List<String> violations(Path root) throws Exception {
        Element parent = read(root.resolve("pom.xml"));
        Map<String, Path> dirs = new LinkedHashMap<>();
        Map<String, Map<String, String>> deps = new HashMap<>();
        Map<String, String> managedScopes = new HashMap<>();
        for (Element m : children(child(parent, "modules"), "module")) {
            Path dir = root.resolve(m.getTextContent().trim());
            Element pom = read(dir.resolve("pom.xml"));
            String id = text(pom, "artifactId");
            dirs.put(id, dir);
            deps.put(id, internalDependencies(child(pom, "dependencies")));
            if ("pom".equals(text(pom, "packaging"))) {
                Element dm = child(pom, "dependencyManagement");
                managedScopes.putAll(internalDependencies(dm == null ? null : child(dm, "dependencies")));
            }
        }
        List<String> found = new ArrayList<>();
        for (String module : dirs.keySet()) {
            if (exempt.contains(module)) {
                continue;
            }
            List<String> path = pathToTestkit(module, deps, managedScopes);
            if (path != null) {
                found.add(module + " reaches " + TESTKIT + " outside test scope: " + String.join(" -> ", path));
            }
            Path descriptor = dirs.get(module).resolve("src/main/java/module-info.java");
            if (Files.exists(descriptor) && requires(descriptor).contains(TESTKIT_MODULE)) {
                found.add(module + "'s module-info.java requires " + TESTKIT_MODULE);
            }
        }
        Path testkit = dirs.get(TESTKIT);
        if (testkit != null) {
            Path descriptor = testkit.resolve("src/main/java/module-info.java");
            if (Files.exists(descriptor) && PROVIDES.matcher(strip(Files.readString(descriptor))).find()) {
                found.add(TESTKIT + "'s module-info.java provides a service that production lookups would find");
            }
            Path services = testkit.resolve("src/main/resources/META-INF/services");
            if (Files.isDirectory(services)) {
                try (var files = Files.list(services)) {
                    files.forEach(f -> found.add(TESTKIT + " registers a service in " + testkit.relativize(f)));
                }
            }
        }
        return found;
    }

    /** Breadth-first over non-test edges; returns the path from {@code from} to testkit, or null. */
    private static List<String> pathToTestkit(String from, Map<String, Map<String, String>> deps,
                                              Map<String, String> managedScopes) {
        Map<String, String> cameFrom = new HashMap<>();
        Deque<String> todo = new ArrayDeque<>(List.of(from));
        Set<String> seen = new HashSet<>(List.of(from));
        while (!todo.isEmpty()) {
            String at = todo.poll();
            for (Map.Entry<String, String> e : deps.getOrDefault(at, Map.of()).entrySet()) {
                String scope = e.getValue() != null ? e.getValue() : managedScopes.getOrDefault(e.getKey(), null);
                if ("test".equals(scope) || !seen.add(e.getKey())) {
                    continue;
                }
                cameFrom.put(e.getKey(), at);
                if (e.getKey().equals(TESTKIT)) {
                    List<String> path = new ArrayList<>();
                    for (String n = TESTKIT; n != null; n = cameFrom.get(n)) {
                        path.add(0, n);
                    }
                    return path;
                }
                todo.add(e.getKey());
            }
        }
        return null;
    }

    /** artifactId to scope (null when the POM names none) of the dependencies in this group. */
    private static Map<String, String> internalDependencies(Element dependencies) {
        Map<String, String> out = new HashMap<>();
        if (dependencies == null) {
            return out;
        }
        for (Element d : children(dependencies, "dependency")) {
            if (GROUP.equals(text(d, "groupId"))) {
                out.put(text(d, "artifactId"), text(d, "scope"));
            }
        }
        return out;
    }

    private static Set<String> requires(Path descriptor) throws IOException {
        Set<String> out = new HashSet<>();
        Matcher m = REQUIRES.matcher(strip(Files.readString(descriptor)));
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** Drops comments, so that a commented-out line is not read as a directive. */
    private static String strip(String java) {
        return java.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "");
    }

    private static Element read(Path pom) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document doc = f.newDocumentBuilder().parse(pom.toFile());
        return doc.getDocumentElement();
    }

    private static Element child(Element parent, String name) {
        if (parent == null) {
            return null;
        }
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        if (parent != null) {
            NodeList nodes = parent.getChildNodes();
            for (int i = 0; i < nodes.getLength(); i++) {
                if (nodes.item(i) instanceof Element e && e.getTagName().equals(name)) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    private static String text(Element parent, String name) {
        Element e = child(parent, name);
        return e == null ? null : e.getTextContent().trim();
    }
}
