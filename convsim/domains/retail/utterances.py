"""Customer utterance templates of the retail pack (the agenda simulator's fallback).

Keys: `open_<intent>`, `identify_<way>`, `answer_<slot>` (or `answer_<slot>=<value>`),
and the general ones (yes, thanks_done, give_up...). Placeholders are slot names
and identity fields. Utterances mined from real transcripts (a catalog) come first.
"""

BANK: dict[str, list[str]] = {
    "open_cancel_order": [
        "Hi, I need to cancel an order.",
        "Hello, I want to cancel my order {order_id}.",
        "I'd like to cancel order {order_id} please.",
        "hi can you cancel my order",
    ],
    "open_return_items": [
        "Hi, I'd like to return something I received.",
        "Hello, I want to return the {item_names} from order {order_id}.",
        "I need to send back an item from my last order.",
        "hi, how do I return the {item_names}?",
    ],
    "open_update_address": [
        "Hi, I moved and need to change my address.",
        "Hello, can you update the address on my account?",
        "I need to update my default shipping address please.",
    ],
    "open_order_status": [
        "Hi, where is my order {order_id}?",
        "Can you tell me the status of my order?",
        "I'd like to track order {order_id}.",
        "hello, has my order shipped yet?",
    ],
    "identify_email": [
        "My email is {email}.",
        "It's {email}",
        "Sure, {email}.",
        "you can use my email, {email}",
    ],
    "identify_name_zip": [
        "My name is {first_name} {last_name} and my zip code is {zip}.",
        "I'm {first_name} {last_name}, zip {zip}.",
        "Name's {first_name} {last_name}, zip code {zip}.",
    ],
    "answer_order_id": [
        "It's {order_id}.",
        "The order id is {order_id}.",
        "{order_id}",
        "Sure, order {order_id}.",
    ],
    "answer_reason=no longer needed": [
        "I don't need it anymore.",
        "It's no longer needed.",
        "I just don't need it anymore, that's all.",
    ],
    "answer_reason=ordered by mistake": [
        "I ordered it by mistake.",
        "It was a mistake, I clicked the wrong thing.",
        "I placed it by accident, it was a mistake.",
    ],
    "answer_item_names": [
        "The {item_names}.",
        "Just the {item_names}, please.",
        "I want to return the {item_names}.",
    ],
    "answer_new_address": [
        "The new address is {new_address}.",
        "{new_address}",
        "It's {new_address}.",
    ],
    "yes": ["Yes, please.", "Yes.", "yes go ahead", "Yeah, that's correct, please proceed."],
    "uncooperative": [
        "Why do you need that?",
        "Can't you just look it up?",
        "Is that really necessary?",
    ],
    "ask_human": [
        "Then can I talk to a human, please?",
        "Can you get me a real person?",
    ],
    "thanks_done": [
        "Great, thanks. That's all.",
        "Thank you, that's all I needed.",
        "Perfect, thanks! No, that's all.",
    ],
    "give_up": [
        "Forget it, I'll try again later.",
        "This isn't working. Bye.",
        "Never mind, I'll call instead.",
    ],
    "change_mind": [
        "Actually, never mind that.",
        "Wait, I changed my mind.",
        "Sorry, actually I need something else.",
    ],
    "dont_know_order_id": [
        "I don't remember the order number, sorry.",
        "I don't know the order id, I can't find the email.",
    ],
    "hint_order_id": [
        "It's the one with the {item_names}.",
        "The order with the {item_names}.",
    ],
    "dont_know_new_address": [
        "No, I don't want to change my address.",
        "That's not what I asked.",
    ],
    "confused": [
        "Sorry, what do you need from me?",
        "I'm not sure what you mean.",
    ],
    "chatter": [
        "I've been a customer for years.",
        "I'm in a bit of a hurry today.",
        "Hope you're having a good day.",
    ],
    "mood_frustrated": [
        "This is really annoying.",
        "Honestly, I'm pretty frustrated right now.",
    ],
    "mood_anxious": ["I'm a bit worried about this.", "I hope this can be sorted out quickly."],
    "mood_cheerful": ["Hi there!", "Good morning!"],
}
