"""site/hooks/page_shell.py passes blocks of plain HTML around Python-Markdown: the HTML must be the same."""
import importlib.util
import types

import markdown
import pytest
import yaml

from housing.publishing import pages


@pytest.fixture(scope="module")
def hook():
    spec = importlib.util.spec_from_file_location("page_shell_under_test", pages.SITE_DIR / "hooks" / "page_shell.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _convert(text):
    config = yaml.safe_load((pages.SITE_DIR / "mkdocs.yml").read_text(encoding="utf-8"))
    extensions, configs = [], {}
    for entry in config["markdown_extensions"]:
        name = entry if isinstance(entry, str) else next(iter(entry))
        extensions.append(name)
        if not isinstance(entry, str):
            configs[name] = entry[name]
    return markdown.Markdown(extensions=extensions, extension_configs=configs).convert(text)


CASES = [
    "# T\n\n<div>\n<p>a</p>\n</div>\n",
    "# T\n\n<div>\n<p>a</p>\n</div>\n\n## After\n\ntext\n",
    "<div>a</div>\n\n<div>b</div>\n",
    "<div>a</div>\n\n<div>b</div>\n\ntext\n",
    "<div>a</div><div>b</div>\n\nx\n",
    "<div>a</div>b\n<div>c</div>\n",
    "<div>a</div>\nb\n",
    "<p>&#65 x</p>\n\ny\n",
    "<p>A &amp; B &#65; &#x41;</p>\n\ny\n",
    "<p>A & B</p>\n\ny\n",
    "<DIV MARKDOWN=\"1\">\n\n*a*\n\n</DIV>\n",
    "<div markdown>\n\n<div>inner</div>\n\n</div>\n",
    "<div class=\"outer\">\n\n<div>inner</div>\n\n</div>\n\nafter\n",
    "<!-- note\n\n<div>x</div>\n\n-->\n\ntext\n",
    "<pre>\n\n<div>x</div>\n\n</pre>\n",
    "```\n\n<div>x</div>\n\n```\n",
    "- item\n\n<div>x</div>\n\n- item 2\n",
    "> quote\n\n<div>x</div>\n",
    "    <div>indented code</div>\n\n<div>x</div>\n",
    "<ul>\n<li><a href=\"O1/\">one</a></li>\n<li><a href=\"O2/\">two</a></li>\n</ul>\n\n## Map\n\n<figure><svg><text>x</text></svg></figure>\n",
    "<table>\n<tr><td>a</td></tr>\n</table>\n\n<table><tr><td>b</td></tr></table>",
    "<div>\n<div>\n</div>\n</div>\n\n<div><div></div></div>\n\nend",
    "<p>one</p>\n\n<p>two <b>b</b></p>\n",
]


@pytest.mark.parametrize("text", CASES)
def test_the_hook_gives_the_html_markdown_gives(hook, text):
    page = types.SimpleNamespace(file=types.SimpleNamespace(src_uri="page.md"))
    passed = hook.on_page_markdown(text, page, None, None)
    assert hook.on_page_content(_convert(passed), page, None, None) == _convert(text)


@pytest.mark.parametrize("text, passed_around", [(CASES[0], 1), (CASES[19], 2), (CASES[4], 0), (CASES[7], 0), (CASES[13], 0)])
def test_plain_blocks_are_passed_around_and_doubtful_ones_left_to_markdown(hook, text, passed_around):
    page = types.SimpleNamespace(file=types.SimpleNamespace(src_uri="counted.md"))
    passed = hook.on_page_markdown(text, page, None, None)
    assert passed.count("hf0shell0raw") == passed_around
    hook.on_page_content(_convert(passed), page, None, None)
