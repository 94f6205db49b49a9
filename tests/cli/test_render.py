"""pcarecon render: the standalone HTML page and the plotly.py-readable JSON, written to a file.

Environment: PCARECON (the binary), PCARECON_FIXTURES_DIR (written by make_fixtures.py; this file
uses its figure/ cases). Run with Debian's /usr/bin/python3 (numpy, plotly 5.4).
The HTML is played to its last frame in headless Chromium by tests/e2e/export.test.js.
"""
import json
import os
import re
import unittest

import numpy as np

from cli_runner import run
from test_cli import CliTest, fixture, reference  # CliTest: a temporary folder per class, check_error

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLOTLY_JS = os.path.join(ROOT, "node_modules", "plotly.js-cartesian-dist-min", "plotly-cartesian.min.js")
TEMPLATE = os.path.join(ROOT, "wasm", "standalone_template.html")



def figure_json(html):
    """The figure inlined in a standalone page (the template's `var figure = ...;` line)."""
    match = re.search(r"^    var figure = (.*);$", html, re.MULTILINE)
    assert match, "no inlined figure found"
    return json.loads(match.group(1))


def scripts(html):
    return re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.DOTALL | re.IGNORECASE)


class RenderTest(CliTest):

    def render(self, name, out, *extra):
        ref = reference(name)
        shape = ["--shape", ref["shape_arg"]] if ref["shape_arg"] else []
        result = run("render", fixture(name), "-i", ref["sample"], "-k", ref["n_components"], *shape,
                     "-o", out, *extra)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "", "render writes the file, nothing on stdout")
        with open(out, encoding="utf-8") as f:
            return ref, f.read()

    def figure(self, name, *extra):
        ref = reference(name)
        shape = ["--shape", ref["shape_arg"]] if ref["shape_arg"] else []
        result = run("figure", fixture(name), "-i", ref["sample"], "-k", ref["n_components"], *shape, *extra)
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)

    def test_html_inlines_plotly_and_the_figure(self):
        ref, html = self.render("digits", self.path("digits.html"), "--step", 3, "--frame-duration", 40)
        self.assertTrue(html.startswith("<!doctype html>"))
        with open(PLOTLY_JS, encoding="utf-8") as f:
            plotly = f.read()
        found = scripts(html)
        self.assertEqual(len(found), 2, "plotly.js, then the script that draws the figure")
        self.assertEqual(found[0], plotly, "plotly.js inlined unchanged (it holds no </script or <!--)")
        self.assertNotIn(" src=", html.replace(plotly, ""), "nothing loaded from elsewhere")
        # Every fetch is forbidden by the page's own CSP.
        csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html).group(1)
        self.assertIn("default-src 'none'", csp)
        self.assertNotIn("connect-src", csp)  # falls back to default-src 'none'
        # The same figure as `pcarecon figure` (base64 arrays, which plotly.js 4 reads).
        fig = figure_json(html)
        self.assertEqual(fig, self.figure("digits", "--step", 3, "--frame-duration", 40))
        self.assertEqual([f["name"] for f in fig["frames"]], ["0", "3", "6", "9", "10"])
        play = fig["layout"]["updatemenus"][0]["buttons"][0]
        self.assertEqual(play["args"][1]["frame"]["duration"], 40)
        self.assertIn(f"<title>PCA reconstruction: digits.npy, sample {ref['sample']}, k = 0 to 10</title>", html)

    def test_html_is_the_shared_template(self):
        _, html = self.render("low_rank", self.path("low_rank.html"))
        with open(TEMPLATE, encoding="utf-8") as f:
            template = f.read()
        # Everything outside the three placeholders is the template's text, as web/page/export.js uses it.
        pieces = re.split(r"\{\{(?:TITLE|PLOTLY_JS|FIGURE_JSON)\}\}", template)
        self.assertEqual(len(pieces), 6)
        at = 0
        for piece in pieces:
            found = html.find(piece, at)
            self.assertGreaterEqual(found, 0, piece[:80])
            at = found + len(piece)
        self.assertTrue(html.endswith(pieces[-1]))

    def test_upper_case_extension_and_htm(self):
        for out in ("A.HTML", "b.htm"):
            _, html = self.render("low_rank", self.path(out), "-k", 2)
            self.assertTrue(html.startswith("<!doctype html>"), out)

    def test_plotly_option_and_script_escaping(self):
        fake = self.path("fake-plotly.js")
        source = ('window.Plotly = {newPlot: function () { return Promise.resolve(); }};\n'
                  'var s = "</SCRIPT><!-- x";\n')
        with open(fake, "w") as f:
            f.write(source)
        _, html = self.render("low_rank", self.path("fake.html"), "-k", 2, "--plotly", fake)
        found = scripts(html)
        self.assertEqual(len(found), 2, "the source cannot close its <script> early")
        self.assertEqual(found[0], source.replace("</SCRIPT>", "<\\/SCRIPT>").replace("<!--", "<\\!--"))

    def test_title_is_escaped(self):
        src = self.path('a<b>&"c.npy')
        np.save(src, np.random.default_rng(3).random((5, 4, 4)).astype(np.float32))
        result = run("render", src, "-k", 2, "-o", self.path("t.html"))
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(self.path("t.html"), encoding="utf-8") as f:
            html = f.read()
        self.assertIn("<title>PCA reconstruction: a&lt;b&gt;&amp;&quot;c.npy, sample 0, k = 0 to 2</title>", html)

    def test_json_loads_in_plotly_py(self):
        import plotly.io as pio
        for name in ("digits", "low_rank", "flat", "rgb", "rgb_fortran"):
            out = self.path(f"{name}.json")
            ref, text = self.render(name, out, "--step", 2)
            # Plain number lists, exactly `figure --plain-arrays`: no base64 for plotly.py 5.4.
            raw = json.loads(text)
            self.assertEqual(raw, self.figure(name, "--step", 2, "--plain-arrays"))
            self.assertNotIn("bdata", text)
            fig = pio.from_json(text)  # validates every attribute against plotly.py's schema
            K = ref["n_components"]
            names = [str(k) for k in range(0, K, 2)] + [str(K)]
            self.assertEqual([f.name for f in fig.frames], names, name)
            base = [(t.type, t.xaxis, t.yaxis) for t in fig.data]
            self.assertEqual([b[1:] for b in base], [("x", "y"), ("x2", "y2"), ("x3", "y3"), ("x4", "y4")])
            for frame, raw_frame in zip(fig.frames, raw["frames"]):
                self.assertEqual(len(frame.data), len(raw_frame["traces"]))
                for index, trace in zip(raw_frame["traces"], frame.data):
                    self.assertEqual((trace.type, trace.xaxis, trace.yaxis), base[index], (name, frame.name))
            h, w = ref["image"]
            if ref["channels"] == 3:  # RGB: plotly image traces, z as H×W×[r, g, b]
                self.assertEqual([b[0] for b in base], ["image", "image", "image", "scatter"])
                self.assertEqual(np.array(fig.frames[-1].data[0].z).shape, (h, w, 3))
                self.assertEqual(fig.data[1].colormodel, "rgb")
                self.assertEqual(list(fig.data[2].zmin)[:3], [-fig.data[2].zmax[0]] * 3)
                # The last frame (k = K) shows scikit-learn's reconstruction at K.
                np.testing.assert_allclose(np.array(fig.frames[-1].data[0].z).ravel(),
                                           ref["reconstructions"][-1], atol=0.05)
            else:
                self.assertEqual(np.array(fig.frames[-1].data[0].z).shape, (h, w))
            self.assertEqual(fig.layout.yaxis.autorange, "reversed")
            self.assertEqual(fig.layout.yaxis2.scaleanchor, "x2")
            self.assertEqual(list(fig.layout.xaxis3.domain), raw["layout"]["xaxis3"]["domain"])
            # And plotly.py writes it back with the frames.
            again = json.loads(pio.to_json(fig))
            self.assertEqual(len(again["frames"]), len(names))

    def test_errors(self):
        good = fixture("low_rank")
        self.check_error(["render", good, "-k", 2, "-o", self.path("x.png")],
                         "-o must name a .html file (standalone page) or a .json file (plotly.py figure), got '")
        self.check_error(["render", good, "-k", 2, "-o", self.path("html")], "-o must name a .html file")
        self.check_error(["render", good, "-k", 2], "render needs -o OUT.html or -o OUT.json")
        self.check_error(["render", good, "-o", self.path("m.html"), "--plotly", self.path("missing.js")],
                         "plotly.js not found at '")
        self.check_error(["render", good, "-o", self.path("m.html"), "--plotly", self.path("missing.js")],
                         "--plotly PATH")
        not_plotly = self.path("not-plotly.js")
        with open(not_plotly, "w") as f:
            f.write("console.log('hello');\n")
        self.check_error(["render", good, "-o", self.path("m.html"), "--plotly", not_plotly],
                         "does not look like plotly.js")
        self.check_error(["render", good, "-o", self.path("m.json"), "--plotly", PLOTLY_JS],
                         "--plotly applies to .html output only")
        self.check_error(["render", good, "-o", self.path("m.json"), "--plain-arrays"],
                         "--plain-arrays does not apply to render")
        self.check_error(["figure", good, "-o", self.path("m.json")], "-o does not apply to figure")
        self.check_error(["render", good, "-k", 2, "-i", 999, "-o", self.path("m.json")], "sample index 999")
        self.check_error(["render", good, "-k", 2, "-o", os.path.join(self.dir, "no-such-dir", "m.json")],
                         "cannot write '")
        for out in ("x.png", "m.html", "m.json"):
            self.assertFalse(os.path.exists(self.path(out)), f"{out} written despite the error")

    def test_help_lists_render(self):
        result = run("--help")
        self.assertEqual(result.returncode, 0)
        self.assertIn("pcarecon render FILE -o OUT.html|OUT.json", result.stdout)
        self.assertIn("--plotly PATH", result.stdout)


if __name__ == "__main__":
    unittest.main()
