"""The line of any value in a template's text, by its key path (``Resources.Role.Properties.Policies[0]``).

:func:`~enjoin.iac.cloudformation.template.load_template` keeps the line of each resource only, which is what
its errors need. A finding wants the line of one policy statement, so that a reader (or a code-scanning tool
reading the SARIF report) lands on the statement that allows a step. :class:`TemplateLines` composes the text
once more into YAML nodes, which keep their marks, and walks them by key path. JSON is YAML's flow style, so a
JSON template is walked the same way.

A line is given only when the path exists in the text as written: a template whose text does not compose
(a JSON escape YAML does not know) or a value an expanded transform wrote answers None, never a guess.
"""

from __future__ import annotations

from functools import cached_property

import yaml

from enjoin.iac.cloudformation.template import CfnTemplate
from enjoin.yamlload import KeyPath, bounded_loader

_Loader = bounded_loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader))


class TemplateLines:
    """Lines (1-based) of the values of one template, looked up by key path."""

    def __init__(self, template: CfnTemplate) -> None:
        self.template = template

    @cached_property
    def _root(self) -> yaml.Node | None:
        if not self.template.text:
            return None
        loader = _Loader(self.template.text)
        try:
            node: yaml.Node | None = loader.get_single_node()
        except yaml.YAMLError:  # the template loaded as JSON that YAML does not read: no lines, not an error
            return None
        finally:
            loader.dispose()
        return node

    def node(self, key: KeyPath) -> yaml.Node | None:
        """The node at ``key``, or None when the text has no such path."""
        node = self._root
        for part in key:
            if isinstance(part, int) and isinstance(node, yaml.SequenceNode) and 0 <= part < len(node.value):
                node = node.value[part]
            elif isinstance(part, str) and isinstance(node, yaml.MappingNode):
                node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part), None)
            else:
                return None
        return node

    def line(self, key: KeyPath) -> int | None:
        """The line the value at ``key`` starts on, or None when the text has no such path."""
        node = self.node(key)
        return None if node is None else node.start_mark.line + 1

    def statement_lines(self, document: KeyPath) -> tuple[int, ...]:
        """The line of each statement of the policy document at ``document``, by index; () when not plain.

        A ``Statement`` list with a conditional item (``Fn::If``, which may drop out as ``AWS::NoValue``) or
        that is itself an intrinsic does not say which deployed index each item becomes, so it gives none.
        """
        statement = self.node((*document, "Statement"))
        if isinstance(statement, yaml.MappingNode) and not _intrinsic(statement):
            return (statement.start_mark.line + 1,)  # a lone statement is the policy's statement 0
        if not isinstance(statement, yaml.SequenceNode) or statement.tag.startswith("!"):
            return ()
        items = statement.value
        if any(not isinstance(item, yaml.MappingNode) or _intrinsic(item) for item in items):
            return ()
        return tuple(item.start_mark.line + 1 for item in items)


def _intrinsic(node: yaml.Node) -> bool:
    """A short-form tag (``!If``) or a one-key mapping naming a function (``{"Fn::If": ...}``)."""
    if node.tag.startswith("!"):
        return True
    if isinstance(node, yaml.MappingNode) and len(node.value) == 1:
        key = node.value[0][0]
        return isinstance(key, yaml.ScalarNode) and (key.value.startswith("Fn::") or key.value == "Ref")
    return False
