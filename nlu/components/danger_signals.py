"""Recognise a message that says a child is in danger right now.

A wrong "urgent" costs one extra line telling someone to call 110; a missed
one can cost a child's life. So this high-recall safety net runs after the
intent classifier and overrides it when a message clearly describes a child
being hurt now, missing, or threatening suicide. Suspicion about the past
("好像被打过", "身上经常有伤") is left to the ordinary report form.

Pure standard library: the rasa runtime and the app runtime both import it.
The text is expected in simplified script (see ``text_normaliser``).
"""
from __future__ import annotations

import re

from nlu.components.question_shape import speaks_as_child

# Happening at this moment.
_NOW = r"(正在|正被|正(?![常规式好确月面经当义])|现在|此刻|马上|快要?|刚刚|刚才|一直在|还在)"
# Hurt to the body.
_HURT = r"(打|揍|砍|捅|掐|勒|烫|烧|踢|抽|拿刀|动刀|强奸|性侵|猥亵|欺负|虐待|折磨|绑|锁|关)"
# Poisons a child may swallow, and things whose swallowing cannot wait either.
_POISON = r"(百草枯|敌敌畏|农药|老鼠药|耗子药|鼠药|除草剂|杀虫剂|安眠药|消毒液|洁厕|84)"
POISONS = _POISON  # the poisons a child may swallow, for first aid too (actions.safety)
_SWALLOWABLE = r"(纽扣电池|电池|磁铁|磁珠|硬币|钉子|别针|图钉|刀片|大人的药|降压药)"
# A child, as people say it.
_CHILD = r"(孩子|小孩|娃|儿子|女儿|闺女|小朋友|学生|孙子|孙女|外孙|侄子|侄女|宝宝|婴儿|男孩|女孩|小姑娘|妹妹|弟弟|伢|崽)"

# Hurting oneself by other means than a blade: "用打火机烧自己的手背", "拿烟头烫自己", "拿头撞墙".
_SELF_HURT = (r"(用|拿|烟头|打火机|开水|刀片|小刀|圆规).{0,6}(烧|烫|烙|划|割|扎|戳|刺)(伤)?(自己)|(烧|烫|划|割|扎)自己的(手|胳膊|手臂|腿|手腕|脸)|"
              r"(拿头|用头)(撞|磕)(墙|地)|(惩罚|伤害|折磨)自己")
# Saying goodbye for good: "今天是最后一天了，谢谢你们曾经对我好", "遗书写好了".
_FAREWELL = (r"(最后一天|最后一次).{0,12}(谢谢|感谢|再见|对不起|永别)|(谢谢|感谢)你们(曾经|一直以来|这些年).{0,8}(对我好|照顾|帮)|"
             r"永别了|再见了.{0,3}(世界|大家|各位|妈妈|爸爸)|遗书|遗言|下辈子再|来世再|不会再(麻烦|拖累)|"
             # "要是我不在了你会不会难过"
             r"我(不在了|死了|没了).{0,8}(你|你们|大家|爸|妈|奶|爷|姐|哥).{0,6}(会不会|会|别|不要)(难过|伤心|想我|哭|记得)")
_FAREWELL_SAID = re.compile(_FAREWELL)
_SELF_HURT_OR_FAREWELL = re.compile(_SELF_HURT + "|" + _FAREWELL)

_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        # being hurt now: "正在被他爸打", "现在被人打", "还在打孩子"
        _NOW + r".{0,8}?被.{0,8}?" + _HURT,
        _NOW + r".{0,6}?" + _HURT + r".{0,4}?" + _CHILD,
        _CHILD + r".{0,10}?" + _NOW + r".{0,8}?" + _HURT,
        r"在(打|揍|砍|捅|掐|猥亵|性侵|强奸|虐待|折磨).{0,4}?" + _CHILD,
        # visible, serious injury or collapse
        r"(满身是血|浑身是血|流了?很多血|在流血|流血了|血流不止|血止不住|出血止不住|大出血|头破血流|昏迷|昏过去|晕过去|不省人事|没有?呼吸|没气了|抽搐|口吐白沫|(都是|冒|吐)白沫)",
        r"((头|脑壳|脑袋|腿|手|脸|身|胳膊|嘴|鼻子)上?(全|都)是血|一身血|一地血|头(被)?(打|磕|撞)?破了|(被|让)(毒)?蛇咬)",
        # an illness that cannot wait: a fit, a child who cannot be woken, a fever out of control
        r"((发烧|高烧|烧).{0,8}抽筋|抽筋.{0,6}(叫不醒|翻白眼|吐白沫)|叫不醒|喊不醒|烧到(39|4\d)(度|°)|高烧不退|烧得?迷迷糊糊"
        r"|烧迷糊了|脸色发紫|嘴唇发紫|喘不上气|喘不过气|憋得?脸都紫)",
        # missing, taken, trafficked
        _CHILD + r".{0,12}?(找不到|找不着|找不见|不见了|走丢|走失|失踪|丢了|没回家|一夜没回|联系不上|没见人影|不见人影|没影了|人不见了|离家出走)",
        # just now there, now gone: "娃在水库边玩 刚才还在 现在找不到了"
        r"(刚才|刚刚|刚|才)还在.{0,10}(找不到|找不着|找不见|不见了|没了|没影)",
        r"(找不到|找不着|不见了|走丢了|走失了|失踪了)(?!人).{0,6}?" + _CHILD,  # not "他妈找不着人，这孩子…"
        r"(被.{0,12}?(带走|抱走|拐走?|抢走|拉走|骗走|掳走)|人贩子|被拐)",
        r"有人把.{0,6}?(带走|抱走|拐走|抢走|拉走|骗走)",
        r"(绑架|劫持|(拽|拉|抱|拖|塞)(上|进)了?.{0,3}车|往.{0,4}车(里|上)?(拽|拉|拖|塞|抱))",
        # a stranger pulling a child into a car: "有个男的在校门口拉小女孩上车"
        r"(陌生|不认识的|有个(男|女)的|有个人|一个(男|女)的|几个人|一伙人|有人).{0,10}(拽|拉|抱|拖|塞|骗|抢).{0,6}(上|进)了?.{0,3}车",
        # held somewhere, told by phone, or taken across the border: "打电话说被关着", "让人骗去缅甸了"
        r"(打电话|来电话|打来电话|发消息|发信息|发微信|视频里)说.{0,6}(被|让人|叫人)人?.{0,4}?(关|扣|困|锁|绑|押|控制)",
        r"(骗|拐|卖|带)(去|到)了?.{0,6}(缅甸|柬埔寨|老挝|越南|境外|国外)",
        # tied up or shut in for hours: "被绑在树上一下午了"
        r"(绑|锁|关|吊|拴)(在|进).{0,8}(一下午|一上午|一晚上|一整天|一夜|好几个小时|半天|\d+个?小时)",
        # someone met online coming to take the child: "网上认识个人 说明天要来接她去外地"
        r"(网上|网友|网恋|游戏里|QQ|qq|微信|抖音|快手).{0,16}(来接|接走|带走|私奔|来找她|来找他|接她|接他|带她走|带他走)",
        # a weapon raised against someone
        r"拿(着)?(刀|菜刀|棍子?|棒子?|斧头?|砖头?|铁锹).{0,6}?(砍|打|捅|杀|追)",
        # a beating planned with a knife: "同学要在放学后围殴他 还带了刀"
        r"(围殴|群殴|堵他|堵她|围住|要打|要砍|要捅|找人打).{0,12}(带|拿|揣)(了|着)?(刀|匕首|砍刀|管制刀具)"
        r"|(带|拿|揣)(了|着)(刀|匕首|砍刀).{0,12}(围殴|群殴|堵|打|砍|捅)",
        r"(要|想)(杀了?|砍死|打死|弄死|掐死)",
        # suicide and self-harm
        r"(自杀|轻生|寻死|不想活|活不下去|想死|要死了|割腕|跳楼|跳河|跳江|跳桥|喝了?农药|吃药自|上吊|站在楼顶|站在天台)",
        r"(割|划|砍|拉)(了|破|伤)?.{0,3}(手腕|手臂|胳膊|脉)|(拿|用)(刀|刀片|小刀|剪刀|玻璃).{0,6}(割|划|扎|捅)(自己|手)",
        _SELF_HURT,
        # a child to be sold: "前夫要把娃卖给山那边一户人家", "他们要卖孩子"
        r"(把|要把|想把|准备把|打算把).{0,8}?" + _CHILD + r".{0,6}?卖|卖(掉|了)?(娃|孩子|小孩|闺女|儿子|女儿|孙子|孙女)|"
        + _CHILD + r".{0,4}?被(人)?卖",
        # other immediate physical danger
        r"(掉(进|到|下)?.{0,2}?(水|河|塘|井|湖|池|江|堰|粪坑|粪池|茅坑|化粪池|窖|水缸|沟)|溺水|被困|着火|煤气中毒|触电|没(浮)?上来|沉下去|(捞|拉|救)不上来"
        r"|被(大|洪|河)?水(冲|卷)走|(冲|卷)走了)",
        # a beating going on as the user writes: "后爹拿皮带抽她 这会儿还在打" (not "还在打工", "正在打针")
        r"(还在|正在|一直在|这会儿还|现在还|现在正)(打|揍|抽|踢|砸|掐|扇)(?!工|针|电话|游戏|牌|麻将|球|字|扫|算|听|卡|包|水|饭|架|闹|滚"
        r"|招呼|疫苗|点滴|吊针|吊瓶|嗝|喷嚏|呼噜|哈欠|盹|瞌睡|瞌|农药|药|井|烟|奖|屉|空|血|筋|风)",
        # poison swallowed: "喝了百草枯 这会儿吐得厉害" (a grown-up saying "先观察观察" does not make it wait)
        r"(喝|吃|吞|误食|误服|误喝)(了|下|进)?.{0,4}?" + _POISON,
        # taken away in a vehicle just now: "刚刚有个一年级的娃跟他上了个面包车走了"
        r"(跟|被)(着)?(?!(他|她|我|俺)?的?(爸|妈|爷|奶|外公|外婆|姥|叔|伯|姑|舅|姨|哥|姐|老师|家里))"
        r".{0,8}?(上了|拉上|抱上|拽上|拖上|塞进|塞上)(一?个|一辆|辆)?.{0,4}(面包车|车子|小车|摩托|三轮|车)"
        r"|被.{0,6}(面包车|车子|小车|摩托|车)(拉走|带走|拖走|接走|抢走)",
        # a child alone and gravely ill: "一个人在家 大人三天没回来了…烧得滚烫 说话都迷糊了"
        r"(一个人|独自|没大人|没人管).{0,24}(烧得滚烫|高烧|烧得厉害|迷糊|昏|叫不醒|说胡话|抽)",
        # a fire with a child inside: "把柴房点着了 火好大 娃还在里头没出来"
        r"(点着|烧着|着了火|火(好|很|太|特别|老|贼)大|烧起来|冒烟).{0,16}(还在里|困在|在里(头|面|边)|没出来|出不来|没跑出来)",
        # a beating still going on, with blood: "脑壳都打出血了，还在打"
        r"(出血|流血|见血|头破).{0,10}(还在|一直在|还|又)(打|揍|踢|抽|砸)",
        r"(水里|河里|塘里|水塘里|井里).{0,4}?(挣扎|扑腾|喊救)",
        # a direct cry for help
        r"(救命|救救|快来人)",
        # sexual abuse told by the child, who must go back to the abuser tonight: "老摸她…她不敢回家", "晚上老进她房间
        # 脱她衣服 她今天不敢放学回去"
        r"(摸(她|他)|脱(她|他)的?(衣服|裤子)|(进|钻)(她|他)的?(房间|屋|被窝)|亲(她|他)的?(嘴|身)|性侵|强奸|猥亵|睡了?(她|他)|"
        r"(下面|下身|私处|隐私|胸)).{0,40}(不敢回(家|去)|今晚|今天晚上|还得回去|还要回去|放学回去|还住(在)?一起|还在(家|屋)|就在(家|屋))",
        # an injury between the legs, seen now: "6岁 孩子下面红肿还有血"
        r"(下面|下身|私处|隐私部位|阴部|屁股).{0,6}(红肿|流血|出血|有血|撕裂|肿了|破了)",
        # a child pulled into a room and shut in with an adult: "老光棍把放学的小女娃拉进他屋里把门关了"
        r"(拉|拽|拖|抱|骗|哄)(进|到|去)了?.{0,4}(屋|房|家|里屋|屋里|屋头|房间|仓库|棚|厕所).{0,10}(关(了|上)?门|门关|把门(关|锁|插|闩)|锁(了|上)?门|门锁)",
        # the means of a death made ready, or a time set: "说药都买好了 今晚就吃", "绳子都准备好了"
        r"说.{0,6}(药|安眠药|农药|老鼠药|绳子|刀片|炭)(都|也|已经)(买好|准备好|备好|藏好|攒够|攒了好多)|今晚就(吃药|喝药|跳|了结)|(遗书|后事)(都)?(写好|交代)",
        # hung up and beaten, or screaming now: "遭他老汉儿吊起来打 喊得好惨"
        r"(吊起来|绑起来|捆起来|绑到|吊到|捆到).{0,4}(打|抽|揍)|(喊|叫|哭)得(好|很|太|那么)?(惨|吓人)|惨叫",
    )
)

# A child not back or gone, said without a word the patterns above need ("放学到现在都没回来", "小的那个找不到了"):
# danger now only when a child is named in the message ("老公打麻将到现在没回来" is no child's).
_YOUNG = re.compile(_CHILD + r"|小的|老大|老二|老三|幺儿|幺妹|丫头|妞|妮|囝|仔|细伢|伢子|小子|小宝|男生|女生|(?<![\d十])1?\d\s*岁|(?<![一二三四五六七八九十两])(十[一二三四五六七八]?|[一二两三四五六七八九])岁")
_GONE: tuple[re.Pattern[str], ...] = tuple(re.compile(p) for p in (
    # not back, hours or a night later: "放学到现在都没回来", "天都黑了人没回来", "一宿没回来", "到这阵都莫回来"
    r"(到现在|到这会|到这阵|到今|这会儿|这阵|天都黑|天黑了|天已经黑|一宿|一夜|一晚上|一整天|一天|两天|三天|好几天|几天|现在都|都没|还没|人)"
    r"[^，。；]{0,6}(没|莫|冒|冇|没有|未)(回来|回家|回去|落屋|转来|返屋企|返来|见人|见到人|看到人|人影|见着人|回(?![答复应头信话消微电短]))",
    r"(找遍|到处找|找了一圈|找了半天|都找了).{0,6}(找不到|找不着|找不见|没找到|没找着|没得人|不见人)",
    r"(一直|都|也)(没|冇|未)(回来|回家|返屋企|返)|(没得|没有?|不见)(了)?人影|(打不通|关机).{0,12}(不晓得|不知道|不知)(在|去)哪",
    # gone in a moment: "我做了个饭出来就没了", "一转眼就不见了"
    r"(出来|转身|回头|一转眼|转眼|眨眼|一眨眼|一会儿|一下子)[^，。；]{0,4}(就|人就|人)(没了|不见了|没影|找不到)",
    # not where they said they would be: "同学家说她根本没来过", "老师说他没去"
    r"(根本没(来|去|到)过|今天没(去|来|到)(学校|上学)|没到学校|没去上学|老师说(他|她)没(去|来)|宿管说(他|她)?没归寝|没归寝)",
    r"(就|都|还|也|一直)(没|莫|冒|冇|未)(回来|回家|返屋企|落屋)|(那个|人|娃|他|她|孩子|小的)(找不到|找不着|找不见|不见)了",
))

# Online sexual extortion: intimate images demanded, or threatened to be spread. The threat is now even when the
# photos are "之前的" (from before), so only a hypothetical or a rule question keeps it from being danger now.
_EXTORTION = (
    re.compile(r"(裸照|裸聊|不穿衣服的(照片|视频|相片)|脱(光|了)?衣服的(照片|视频)|私密(照|视频)|隐私部位的(照片|视频)).{0,24}"
               r"(发到|发给|传到|发出去|传出去|放(上|到)网|曝光|公开|威胁|不然|不拍就|不给就|不发就|要不就|否则)"),
    re.compile(r"(威胁|逼|要挟|敲诈).{0,12}(拍|发|录).{0,8}(裸|不穿衣服|脱衣服|私密|隐私)"),
)
_HYPOTHETICAL = re.compile(r"(的话|如果|假如|万一|规定|法律|政策|算不算|怎么判|判几年|犯法|违法)")

# Phrases that mention danger words but are questions about rules or the past, or about
# parents out of touch for months (a 事实无人抚养 question, not a missing child).
_NOT_NOW = re.compile(
    r"(的话|如果|假如|万一|报告吗|要报吗|怎么办理|政策|规定|法律|哪一条|第.{1,4}条|算不算|是否属于|属于哪|要不要报|需要报告吗|怎么报告|以前|去年|前年|几年前|多年前|早过去了|上个月|之前|曾经|好像被打过"
    r"|情形|几种|哪几类|包括|范围|判(几|多少|刑|多久)|怎么判|坐几年牢|新闻|怎么防|咋防|如何防|预防|防拐|多久报警|多长时间报警|多久(可以|能)?报案"
    r"|(爸妈|父母|家长|爸爸|妈妈|父亲|母亲).{0,4}?(都|也|一直)?联系不上"
    # a scare that ended well: "…躲在谷仓里睡着了。人没事"
    r"|人没事|虚惊一场|后来找到了|已经找到了|找到了[，,。\s].{0,6}没事)"
)


# Harm told about a child, happening again and again or just now, not a question about rules, the past or
# the news: "他爷爷天天喝酒 喝醉了就打娃", "娃说他爸又拿皮带抽他", "孙子被他叔关在柴房里两天了". Not always an
# emergency, but a mandatory report (第四条) whose first reply carries the 110 line: the learned grade,
# tuned on the bank, missed such words when they came without the bank's usual phrasing.
_AGAIN = r"(天天|每天|成天|整天|经常|老是|总是|常常|时常|动不动|动不动就|三天两头|隔三差五|一.{0,4}就|(喝|醉).{0,3}就|就|又|昨天|昨晚|今天|今早|前天|这几天|这些天|最近|这阵子|刚)"
# A blow needs someone it lands on ("打娃", "抽他"); some harms are plain on their own ("关在柴房", "不给饭吃").
_VICTIM = r"(娃|孩子|小孩|孙|闺女|儿子|女儿|外孙|侄|伢|崽|宝宝|妹妹|弟弟|他|她|我|人|女孩|男孩|小姑娘|丫头|老二|老三|老幺)"
_BLOW = r"(打|揍|削|捶|锤|抽|踢|踹|掐|勒|扇|烫|咬|摸|亲|欺负|虐待|折磨)"
_HARM = (r"(" + _BLOW + r".{0,2}?" + _VICTIM + r"|拿.{0,4}(棍|棒|皮带|衣架|竹条|竹片|鞭|烟头|火钳|开水)|饿着|不给.{0,2}(饭|吃)"
         r"|关(在|进|到)|锁(在|进|到)|绑(在|起)|拴(在|着|起)|链子|脱.{0,3}(衣服|裤子)|猥亵|性侵|强奸)")
_HARM_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        _AGAIN + r".{0,8}?" + _HARM,  # "天天打", "喝醉了就打娃", "又拿皮带抽他"
        _CHILD + r".{0,6}?被(?!(蚊|虫|狗|猫|蜂|开水|热水|火)).{0,10}?(" + _BLOW + r"|" + _HARM + r")",  # "孙子被他叔关在柴房里"
        _BLOW + r"(娃|孩子|小孩|孙子|孙女|闺女|儿子|女儿|外孙|侄子|侄女|小女孩|女娃|女孩子|小姑娘|老二|老三|老幺)",  # "打娃"
        # starved: "后妈不给他饭吃 瘦得皮包骨"
        r"(不给|不让).{0,3}(饭吃|吃饭|吃的|吃东西)|(饿|瘦)(得|成)(皮包骨|只剩|脱相|不成样)|皮包骨",
        r"(关|锁)(在|进|到).{0,10}?(两|三|几|好几|\d+)天",  # shut in for days
        r"(要|逼|让|给).{0,6}?(嫁人|嫁给|嫁到|订婚|定亲|成亲|(订|定|说)了?(亲|婚|婆家))|许配|童养媳",  # married off as a child
        # left with no one for days: "孩子没人管了好几天", "娃一个人在家三天了"
        r"(没人管|没人照顾|没人看|没人带|没人做饭|一个人在家|独自在家|自己在家|没饭吃|没东西吃|没吃饭).{0,6}?(好几|两|三|几|\d+)天",
    )
)
# A child, or a child's own words by their school year or age ("我才初三", "我12岁").
_CHILD_SAID = re.compile(_CHILD + r"|他|她|俺家|我家|初[一二三]|[一二三四五六]年级|小学|初中|[1-9]岁|1[0-7]岁|[一二三四五六七八九十]{1,3}岁")
# Words that hold a harm verb but tell no harm ("打工", "打电话", "关心", "亲戚"): taken out before matching.
_BENIGN = re.compile(
    r"(打针|打疫苗|打吊针|打游戏|打电话|打视频|打工|打球|打篮球|打乒乓|打羽毛球|打扫|打印|打呼|打喷嚏|打车|打的|打扮|打鼓|打拳|打麻将|打算|打听|"
    r"打开|打卡|打字|打折|打包|打水|打饭|打滚|打闹|打架|打毛衣|打农药|打了?个?(疫苗|针|吊针|退烧针|农药)|抽血|抽空|抽烟|抽奖|抽屉|抽筋|抽了两下|烫头|烫发|烫了?个?火锅|踢被子|打死你|游戏|关心|关注|关系|关于|关门|关窗|关灯|关机|"
    r"关掉|关键|关爱|摸底|摸排|摸清|摸索|亲戚|亲自|亲生|亲爹|亲妈|亲人|嫁妆|欺负人的)"
)
# Not harm told: a question about the law, the past, a hypothetical, a story in the news.
_NOT_TOLD = re.compile(
    r"(违法|犯法|判|刑事|法律|规定|政策|责任|拘留|处罚|罚款|罚不罚|(反家暴|家暴|未保|保护|刑)法|按.{0,8}(办|处理)|算不算|算虐待|怎么处理|会怎样|会怎么样|以前|之前|早年|当年|那年|前年|去年|小时候|细个|曾经|后来|"
    r"如果|假如|万一|要是|的话|以后|将来|新闻|电视|纪录片|报道|视频里|电影|小说|广播|帖子|不想这样|防止|预防|怎么防|咋防|怎么教|"
    r"义务|处分|担责|担不担|靠谱|结案|调解|道了?歉|报了案|报过案|报了警|报过警|刑拘|开除|没事了|已经好了|举报|一年有|每年|游戏|还是先|保护令|坐牢|坐劳|刷到|短视频|短影片|摆拍|怎么看|看出|信号|档案|细节|不是真打|逗|后果|算吗|也算|算家暴|撤销|资格|监护权|剥夺|起诉|法院|按.{0,4}算|哪些|必须|向哪|要向|由谁|发现(孩子|学生|儿童|未成年人)被)"
)


# A child's body touched by someone, as told by the child or a parent ("我儿子说班主任摸他屁股，他是男孩也算吗"):
# a disclosure even when asked as "does it count", which the rule-question words would otherwise take away.
_TOUCHED = re.compile(r"(摸|亲|脱|碰|抠|揉|舔).{0,3}(他|她|娃|孩子|小孩|我|人家)?的?.{0,2}"
                      r"(屁股|下面|下体|私处|隐私部位|私密部位|胸|乳房|裤裆|裤子|大腿根|小鸡鸡|小妹妹|身子)")
_NOT_A_DISCLOSURE = re.compile(r"(如果|假如|万一|的话|新闻|电视|视频里|怎么教|教.{0,4}(孩子|娃)|保护|预防|防止|"
                               r"(不能|不要|别|不许|不准|不可以)(让|被|给)|以防|怎么防|咋防|识别|课上|讲座|绘本|安全教育)")


# 打 typed as its homophone 大 after a word that only a blow follows: "隔壁又在大孩子了".
_TYPED_BLOW = re.compile(r"(?<=[在又就])大(?=(孩子|娃|小孩|他|她|我|人))")


# Sexual abuse in the past that nobody dealt with ("去年被后爸侵犯过，当时不敢说", "被司机猥亵了，家长私了了，现在
#还能不能报"): still a mandatory report, though the words of the past would make it a story.
_ABUSED = re.compile(r"被.{0,8}?(性侵|猥亵|猥琐|侵犯|强奸|糟蹋|欺负了?身子)")
_NEVER_DEALT_WITH = re.compile(r"(不敢说|没敢说|没说出来|没告诉|没人知道|没报|没有报|私了|压下来|不了了之|还能不能报|还能报|能不能报|想报|要不要报|别多事|"
                               r"才知道|才明白|才反应过来)")


# A thing lost, not a child: "孩子手机丢了咋办 急死了", "娃的户口本弄丢了".
_THING_LOST = re.compile(r"(手机|电话手表|手表|钱包|钱|饭卡|银行卡|卡|证|户口本|出生证明|书包|作业本|本子|书|钥匙|自行车|单车|车|鞋|衣服|"
                         r"压岁钱|玩具|眼镜|水杯|伞|帽子)[^，。；\s]{0,3}?(弄|搞|给|整)?丢(了|失|啦)")


def _as_meant(text: str) -> str:
    return _THING_LOST.sub("", _TYPED_BLOW.sub("打", text))


def tells_harm(text: str) -> bool:
    """True when the (simplified) text tells of a child being hurt, again and again or just now.

    >>> tells_harm("他爷爷天天喝酒 喝醉了就打娃 咋个办")
    True
    >>> tells_harm("父母打孩子犯法吗")
    False
    """
    if not text:
        return False
    text = _as_meant(text)
    if _TOUCHED.search(text) and not _NOT_A_DISCLOSURE.search(text):
        return True
    if _ABUSED.search(text) and _NEVER_DEALT_WITH.search(text) and not _NOT_A_DISCLOSURE.search(text):
        return True
    if not _CHILD_SAID.search(text) and not speaks_as_child(text):  # "哥哥晚上老是摸我": the child is the writer
        return False
    told = _BENIGN.sub("，", text)
    if not any(p.search(told) for p in _HARM_PATTERNS):
        return False
    return not _NOT_TOLD.search(text)


def describes_immediate_danger(text: str) -> bool:
    """True when the (simplified) text says a child is in danger now.

    >>> describes_immediate_danger("隔壁小孩正在被他爸打")
    True
    >>> describes_immediate_danger("孩子走丢的话要报告吗")
    False
    """
    if not text:
        return False
    text = _as_meant(text)
    if any(p.search(text) for p in _EXTORTION) and not _HYPOTHETICAL.search(text):
        return True
    if _FAREWELL_SAID.search(text):  # "谢谢你们曾经对我好" is no story of the past
        return True
    if not any(p.search(text) for p in _PATTERNS) and not (any(p.search(text) for p in _GONE) and _YOUNG.search(text)):
        return False
    return not _NOT_NOW.search(text)


_ADULT_GONE = re.compile(r"(老公|老婆|男人|媳妇|他爸|他妈|她爸|她妈|爸妈|爹妈|爷爷|奶奶|外公|外婆|姥姥|姥爷|老汉|老伴|大人)")


def gone_unnamed(text: str) -> bool:
    """True when the (simplified) text tells that someone is not back or cannot be found, naming no one ("今天到现在
    还冇回"): a child gone when the message before named the child (``actions.safety.gone_in_context``)."""
    return (bool(text) and any(p.search(text) for p in _GONE) and not _YOUNG.search(text)
            and not _ADULT_GONE.search(text) and not _NOT_NOW.search(text))


def names_a_child(text: str) -> bool:
    """True when the (simplified) text speaks of a child ("我孙伢子今年十岁")."""
    return bool(text) and bool(_YOUNG.search(text))


# Someone hurt, poisoned, drowning or self-harmed: the first number to call is 120.
_MEDICAL = re.compile(
    r"(血|伤口|骨折|断了|昏迷|昏过去|晕过去|晕倒|叫不醒|不省人事|没有?呼吸|没气|抽搐|抽筋|口吐白沫|吐白沫|中毒|农药|敌敌畏|百草枯|老鼠药|耗子药"
    r"|安眠药|吃了?.{0,3}药|喝了?.{0,3}药|吞了|吞下|吞进|咽下|纽扣电池|磁铁|白沫|溺水|(冲|卷)走|掉(进|到|下)?.{0,2}?(水|河|塘|井|湖|池|江|堰)|淹|烫伤|烧伤|烫得|烧得|触电|割腕|割手|划手|割了|砍伤|捅伤|咬伤|摔下来|撞了|车撞|头(被)?(打|磕|撞|砸)?破)"
)
# A child talking of ending their life or hurting themselves: crisis lines as well as 110/120.
_SELF_HARM = re.compile(
    r"(自杀|轻生|寻死|不想活|活不下去|活着没(有)?意思|活着没(有)?意义|想解脱|想死|去死|割腕|割手|划手|自残|自伤|跳楼|跳河|跳江|跳桥|上吊|安眠药|结束生命|结束自己|不想活了|离开这个世界"
    r"|(割|划)(了|破|伤)?.{0,3}(手腕|手臂|胳膊|脉)|(刀|刀片|小刀|剪刀).{0,6}(割|划)(自己|手)|" + _SELF_HURT + "|" + _FAREWELL + "|"
    # the means made ready: "说药都买好了 今晚就吃"
    r"说.{0,6}(药|安眠药|农药|老鼠药|绳子|刀片|炭)(都|也|已经)(买好|准备好|备好|藏好|攒够|攒了好多)|今晚就(吃药|喝药|跳|了结))"
)
# Words of a question about rules, the law or the past (a feature for the learned assessor).
# A-not-A tails ("能领补助不", "整得了不", "吃了没") ask as much as 吗 does.
_QUESTION = re.compile(r"(吗|么|嘛|\?|？|怎么|咋|如何|多少|几年|几种|哪些|是否|能不能|可不可以|要不要|有没有|会不会|算不算|该不该|违法|犯法|判|规定|政策|法律"
                       r"|啥叫|什么叫|什么是|啥是|([^\s，,])不\2[\s。!！]*$"
                       r"|(不|没|没有)[?？。.!！\s]*$)")


def medical_words(text: str) -> bool:
    """True when the (simplified) text says someone is hurt, poisoned, drowning or self-harmed."""
    return bool(text) and bool(_MEDICAL.search(text))


# A child hurt in an accident: bitten or stung, a fall, a burn, a shock. No one to report, and 120 to call.
_ACCIDENT = re.compile(
    r"(狗|猫|蛇|马蜂|蜂子|蜜蜂|黄蜂|毒虫|蜈蚣|老鼠)[^，,。]{0,4}(咬|蛰|叮|蜇)|(咬|蛰|蜇)(伤|破|得|了)|烫(伤|着|到|了|得)|烧伤|"
    r"摔(伤|断|破|下来|下去|倒)|滚下来|跌(伤|下|倒)|触电|电(到|着)了|(扎|割|划)(伤|破)了?|被车(撞|碾|刮)|车祸"
)
# … unless someone did it ("他后爸拿开水烫他", "被人推下来"): then it is harm to report.
_DONE_BY_SOMEONE = re.compile(r"(打|揍|踢|掐|推|拿[^，,。]{0,4}(烫|烧|砸|打)|故意|放狗|虐|欺负|被人)")


# … nor when it is over: treated, healed, long ago.
_TREATED = re.compile(r"(出院|缝了|缝好|处理好|包扎好|已经在医院|结痂|好了|留疤|疤|小时候|前阵子|前年|几年前)")


# Poison or a dangerous thing swallowed just now ("把他爷爷的农药喝了一口", "把一颗纽扣电池吞下去了"): 120 now, even
# when the child looks well and the words sound calm; the network, learning from few such messages, often hears a
# question. Not when asked about as a rule, a hypothetical or the past.
_SWALLOWED = re.compile(
    rf"({_POISON}|{_SWALLOWABLE})[^，,。；]{{0,6}}(喝|吃|吞|咽|舔)(了|下|进|掉)"
    rf"|(喝|吃|吞|咽|误食|误服|误喝)(了|下|进)?(去)?[^，,。；]{{0,6}}({_POISON}|{_SWALLOWABLE})"
)


# … unless it is over or asked about: seen to at hospital, years ago, statistics, "要是…".
_SWALLOWED_OVER = re.compile(r"前几年|前些年|前两天|前几天|年轻|那时候|当时|每年|有多少|要是|洗了胃|洗胃|排出来|取出来|吐出来|救回来|救过来|没救|"
                             r"医生说|没事了|现在能吃|空瓶|放哪|报销")


def swallowed_harm(text: str) -> bool:
    """True when the (simplified) text tells of a child who just swallowed poison or a dangerous thing."""
    return (bool(text) and bool(_SWALLOWED.search(text)) and not _NOT_NOW.search(text)
            and not _HYPOTHETICAL.search(text) and not _TREATED.search(text) and not _SWALLOWED_OVER.search(text))


def hurt_by_accident(text: str) -> bool:
    """True when the (simplified) text tells of a child hurt in an accident just now, that no one did to them."""
    return (bool(text) and bool(_ACCIDENT.search(text)) and not _DONE_BY_SOMEONE.search(text)
            and not _NOT_NOW.search(text) and not _TREATED.search(text))


def self_harm_words(text: str) -> bool:
    """True when the (simplified) text speaks of suicide or self-harm."""
    return bool(text) and bool(_SELF_HARM.search(text))


def hurts_self_or_says_goodbye(text: str) -> bool:
    """True for self-harm by other means than a blade, or a goodbye for good: words the network learned least."""
    return bool(text) and bool(_SELF_HURT_OR_FAREWELL.search(text))


def rule_question_words(text: str) -> bool:
    """True when the text reads like a question about rules, the past or a hypothetical."""
    return bool(text) and bool(_NOT_NOW.search(text) or _QUESTION.search(text))
