"""Codes and names from the vision document that many tests use, declared once.

A plain module rather than tests/conftest.py: pytest loads a conftest as a plugin
and advises against importing one, while a module is imported once, by its name,
in any import mode. The conftest builds the cast (kaneyama, okura, …) from these.

A test that checks the document's own data as printed (a table of towns and their
populations, the expected rows of a download) keeps its literals: there the literal
is the expectation, not a name for something.
"""

# 全国地方公共団体コード of the eight municipalities, in the document's order.
SHINJO = "062057"  # 新庄市, the central city
KANEYAMA = "063614"  # 金山町: the cast's first officer
MOGAMI = "063622"  # 最上町
FUNAGATA = "063631"  # 舟形町
MAMUROGAWA = "063649"  # 真室川町
OKURA = "063657"  # 大蔵村: the cast's second officer
SAKEGAWA = "063665"  # 鮭川村
TOZAWA = "063673"  # 戸沢村
TOWN_CODES = [SHINJO, KANEYAMA, MOGAMI, FUNAGATA, MAMUROGAWA, OKURA, SAKEGAWA, TOZAWA]

# Programs of the document that tests pick out by name.
HEALTH = "最上地域保健医療対策事業"  # all eight towns pay a share
CREMATION = "火葬場の相互利用"  # 鮭川村 is not in it; 大蔵村 pays nothing
TOURISM = "最上広域観光事業"
FARMING = "最上地域農業・畜産振興事業"  # its KPI 圏域内の新規就農者数 is summed over the towns
SPECIAL_EDUCATION = "特別支援教育に係る指導者育成のための合同研修事業"  # 金山町 is not in it
